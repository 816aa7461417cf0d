import { DurableObject } from 'cloudflare:workers';
import { WINDOW_MS, windowOf, type RateLimitDecision } from './window';


/**
 * Exact request counts for one rate-limit key (the Worker shards with idFromName(key), so a hot
 * tenant only queues behind itself). take() runs its SQL synchronously with no await in between,
 * so concurrent requests cannot interleave a read and a write: the count is exact.
 */
export class RateLimiter extends DurableObject<Env> {
  /**
   * Counts one request against `limit` in the window of `now`. The Worker passes its request time
   * rather than the object reading its own clock, so windows follow the time the API reports (and
   * that tests inject).
   */
  async take(limit: number, now: number): Promise<RateLimitDecision> {
    const { start, end } = windowOf(now);
    const sql = this.ctx.storage.sql;
    // The alarm below deletes everything, tables included, so the schema is (re)made here.
    sql.exec('CREATE TABLE IF NOT EXISTS windows (start INTEGER PRIMARY KEY, count INTEGER NOT NULL)');
    const used = sql.exec<{ count: number }>('SELECT count FROM windows WHERE start = ?', start).toArray()[0]?.count;
    const allowed = (used ?? 0) < limit;
    // Refused requests are not counted: the window stays at `limit` and Remaining at 0.
    if (allowed) sql.exec('INSERT INTO windows (start, count) VALUES (?, 1) ON CONFLICT (start) DO UPDATE SET count = count + 1', start);
    if (used === undefined) {
      // First request of a window: earlier windows are over, and the idle timer restarts.
      sql.exec('DELETE FROM windows WHERE start < ?', start);
      await this.ctx.storage.setAlarm(end + WINDOW_MS);
    }
    const count = (used ?? 0) + (allowed ? 1 : 0);
    return { allowed, limit, remaining: Math.max(0, limit - count), reset: end / 1000 };
  }

  /** A whole window passed without a request: nothing here is current any more, so the object frees its storage. */
  async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
