// A tiny in-memory D1 stand-in for the in-process runs, used identically by every contender:
// statements resolve asynchronously like D1's, INSERTs count as one change, and a few SELECTs are
// answered from fixed rows (the Loglane pipeline's membership and API-key lookups). It measures
// the framework and pipeline around the database, not SQLite.

type Answer = { results?: Record<string, unknown>[]; changes?: number };
export type Responder = (sql: string, args: unknown[]) => Answer | undefined;

class StubStatement {
  constructor(
    private readonly db: StubD1,
    private readonly sql: string,
    private readonly args: unknown[] = [],
  ) {}
  bind(...args: unknown[]) {
    return new StubStatement(this.db, this.sql, args);
  }
  async run() {
    const answer = this.db.execute(this.sql, this.args);
    return {
      success: true,
      results: answer.results ?? [],
      meta: { changes: answer.changes ?? 0, duration: 0, last_row_id: this.db.writes, rows_read: 0, rows_written: answer.changes ?? 0 },
    };
  }
  async all() {
    return this.run();
  }
  async first(column?: string) {
    const row = this.db.execute(this.sql, this.args).results?.[0] ?? null;
    return column ? (row?.[column] ?? null) : row;
  }
  async raw() {
    return (this.db.execute(this.sql, this.args).results ?? []).map((row) => Object.values(row));
  }
}

export class StubD1 {
  /** Rows "inserted" so far (only counted: millions of requests must not grow memory). */
  writes = 0;
  constructor(private readonly responders: Responder[] = []) {}
  prepare(sql: string) {
    return new StubStatement(this, sql);
  }
  async batch(statements: StubStatement[]) {
    const out = [];
    for (const statement of statements) out.push(await statement.run());
    return out;
  }
  async exec() {
    return { count: 0, duration: 0 };
  }
  execute(sql: string, args: unknown[]): Answer {
    for (const responder of this.responders) {
      const answer = responder(sql, args);
      if (answer) return answer;
    }
    if (/^\s*INSERT/i.test(sql)) {
      this.writes++;
      return { changes: 1 };
    }
    return { results: [], changes: 0 };
  }
}

export const asD1 = (stub: StubD1) => stub as unknown as D1Database;
