// The log queries stay index reads as the table grows: EXPLAIN QUERY PLAN of every statement the
// repository actually issues (recorded through a D1 wrapper), with and without ANALYZE statistics.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteEntries, entriesBetween, insertMessage, oldestBetween, queryPage } from '../src/repositories/logs';
import { newLogIds, type LogFilter, type LogMessage } from '../src/services/logs';
import { createTenant } from './support/tenancy';

type Recorded = { sql: string; params: unknown[] };

/** A D1 whose statements are recorded with their parameters as they are bound. */
function recordingDb(): { db: D1Database; recorded: Recorded[] } {
  const recorded: Recorded[] = [];
  const db = {
    prepare: (sql: string) => ({
      bind: (...params: unknown[]) => {
        recorded.push({ sql, params });
        return env.DB.prepare(sql).bind(...params);
      },
    }),
  } as unknown as D1Database;
  return { db, recorded };
}

async function planOf({ sql, params }: Recorded): Promise<string[]> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
  return results.map((row) => row.detail);
}

/**
 * Every recorded statement reads log_entries through one of our indexes: never a full scan, and no
 * sort of all the project's matching rows. A sort is fine over the merged per-level legs (each
 * already cut to the page size) and over text matches when the trigram index drives the query.
 */
async function expectIndexedPlans(recorded: Recorded[], index: RegExp) {
  expect(recorded.length).toBeGreaterThan(0);
  for (const statement of recorded) {
    const plan = await planOf(statement);
    const context = `${statement.sql}\n${plan.join('\n')}`;
    expect(plan.some((step) => index.test(step)), context).toBe(true);
    expect(plan.filter((step) => /\bSCAN log_entries\b(?!_fts)/.test(step)), context).toEqual([]);
    const ftsDriven = plan.some((step) => /USING INTEGER PRIMARY KEY \(rowid=\?\)/.test(step));
    if (!/UNION ALL/.test(statement.sql) && !ftsDriven) expect(plan.filter((step) => /TEMP B-TREE/.test(step)), context).toEqual([]);
  }
}

const PROJECT_TIME = /USING (COVERING )?INDEX log_entries_project_time\b/;
const PROJECT_LEVEL_TIME = /USING (COVERING )?INDEX log_entries_project_level_time\b/;
// Text: either the project's index walk probing the trigram matches, or the trigram matches
// looked up by rowid (the planner's choice once it has statistics); both are index reads.
const TEXT = /USING (COVERING )?INDEX log_entries_project_time\b|SEARCH log_entries USING INTEGER PRIMARY KEY \(rowid=\?\)/;

let projectId: string;
beforeAll(async () => {
  // 20,000 entries in two projects, mostly info, a few errors: enough for ANALYZE to have opinions.
  const [one, two] = await Promise.all([createTenant(), createTenant()]);
  projectId = one.project.id;
  const start = Date.now() - 40 * 24 * 60 * 60 * 1000;
  const messages: LogMessage[] = [];
  for (const [p, project] of [one, two].entries()) {
    for (let chunk = 0; chunk < 10; chunk++) {
      const ids = newLogIds(1000, start + p * 1e6 + chunk * 1000);
      const entries = ids.map((id, i) => ({
        id,
        level: (i % 50 === 0 ? 'error' : i % 7 === 0 ? 'warn' : 'info') as LogMessage['entries'][number]['level'],
        message: `request ${chunk}-${i} served in ${i % 300} ms`,
        timestamp: new Date(start + (chunk * 1000 + i) * 150_000).toISOString(),
        attributes: { i },
      }));
      messages.push({ v: 1, projectId: project.project.id, receivedAt: new Date().toISOString(), entries });
    }
  }
  await env.DB.batch(messages.map((message) => insertMessage(env.DB, message)));
});

const cursor = { timestamp: new Date().toISOString(), id: 'log_zzzzzzzz' };
const filters: [string, Omit<LogFilter, 'projectId'>, RegExp][] = [
  ['first page', { order: 'desc', limit: 101 }, PROJECT_TIME],
  ['next page (cursor)', { after: cursor, order: 'desc', limit: 101 }, PROJECT_TIME],
  ['since and until', { since: '2000-01-01T00:00:00.000Z', until: cursor.timestamp, after: cursor, order: 'desc', limit: 101 }, PROJECT_TIME],
  ['one level', { levels: ['error'], order: 'desc', limit: 101 }, PROJECT_LEVEL_TIME],
  ['several levels, time range and cursor', { levels: ['warn', 'error', 'fatal'], since: '2000-01-01T00:00:00.000Z', after: cursor, order: 'desc', limit: 101 }, PROJECT_LEVEL_TIME],
  ['text (trigram index)', { text: 'served in 42', order: 'desc', limit: 101 }, TEXT],
  ['short text', { text: '42', levels: ['error'], order: 'desc', limit: 101 }, PROJECT_LEVEL_TIME],
  ['oldest first with cursor', { after: { timestamp: '2000-01-01T00:00:00.000Z', id: 'log_0' }, order: 'asc', limit: 101 }, PROJECT_TIME],
  ['services and attributes', { services: ['api', 'web'], attributes: { i: '7' }, order: 'desc', limit: 101 }, PROJECT_TIME],
  ['levels, service and attribute, oldest first', { levels: ['warn', 'error'], services: ['api'], attributes: { i: '7' }, order: 'asc', limit: 101 }, PROJECT_LEVEL_TIME],
];

for (const statistics of [false, true]) {
  describe(statistics ? 'with ANALYZE statistics' : 'without statistics', () => {
    beforeAll(async () => {
      if (statistics) await env.DB.prepare('ANALYZE').run();
    });

    for (const [name, filter, index] of filters) {
      it(`a page: ${name}`, async () => {
        const { db, recorded } = recordingDb();
        const page = await queryPage(db, { projectId, ...filter });
        expect(page.every((entry) => entry.projectId === projectId)).toBe(true);
        await expectIndexedPlans(recorded, index);
      });
    }

    it('retention reads and deletes', async () => {
      const { db, recorded } = recordingDb();
      const cutoff = new Date(Date.now() - 30 * 24 * 60 * 60 * 1000).toISOString();
      const oldest = await oldestBetween(db, projectId, '', cutoff);
      const rows = await entriesBetween(db, projectId, oldest!, cutoff, undefined, 1000);
      expect(rows).toHaveLength(1000);
      await expectIndexedPlans(recorded, PROJECT_TIME);
      deleteEntries(db, [rows[0].id]); // prepared and recorded, not run
      const plan = await planOf(recorded[recorded.length - 1]);
      expect(plan.some((step) => /SEARCH log_entries USING (COVERING )?INDEX sqlite_autoindex_log_entries_1 \(id=\?\)/.test(step)), plan.join('\n')).toBe(true);
    });
  });
}
