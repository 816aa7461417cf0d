import { DurableObject } from 'cloudflare:workers';
import { ACCESS_TOKEN_TTL_SECONDS } from '../lib/access-token';
import { sha256Hex, timingSafeEqual } from '../lib/crypto';
import { findApiKeyCredential } from '../repositories/api-keys';
import { familiesRevokedSince } from '../repositories/sessions';
import { WINDOW_MS, windowOf, type LiveApiKey, type RateLimitDecision } from './window';

// An ended session must stay refused while an access token issued before its end can still be
// used; a window's margin covers clock differences between the Worker and the object.
const ENDED_SESSION_KEPT_MS = ACCESS_TOKEN_TTL_SECONDS * 1000 + WINDOW_MS;

/**
 * One object per caller (the Worker shards with idFromName: `ip:<address>`, `key:<key id>`,
 * `user:<user id>`, or a named bucket), so a hot tenant only queues behind itself. It holds the
 * caller's exact request counts and, for a credential, whether it is still live, so that a request
 * is counted and its credential checked in one round trip.
 *
 * Counting runs its SQL synchronously with no await in between, so concurrent requests cannot
 * interleave a read and a write: counts are exact, and a revocation is either before a request's
 * check or after its admission. Revocations are written here first and then to D1, so a request
 * after a revocation's answer is always refused; an object that has never seen its credential
 * loads it from D1 once (blocking other requests meanwhile).
 */
export class RateLimiter extends DurableObject<Env> {
  private schemaReady = false;

  private get sql() {
    const sql = this.ctx.storage.sql;
    if (!this.schemaReady) {
      // The idle alarm may delete everything, tables included, so the schema is (re)made on demand.
      sql.exec(`
        CREATE TABLE IF NOT EXISTS counters (bucket TEXT NOT NULL, start INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (bucket, start));
        CREATE TABLE IF NOT EXISTS api_key (id TEXT PRIMARY KEY, project_id TEXT, scopes TEXT, secret_hash TEXT, revoked INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS ended_sessions (id TEXT PRIMARY KEY, ended_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS sessions_ended_before (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL);
      `);
      this.schemaReady = true;
    }
    return sql;
  }

  /**
   * Counts one request in `bucket` against `limit` in the window of `now`. The Worker passes its
   * request time rather than the object reading its own clock, so windows follow the time the API
   * reports (and that tests inject). Refused requests are not counted: Remaining stays at 0.
   */
  async take(limit: number, now: number, bucket = 'requests'): Promise<RateLimitDecision> {
    const decision = this.count(bucket, limit, now);
    await this.keepUntil(windowOf(now).end + WINDOW_MS);
    return decision;
  }

  private count(bucket: string, limit: number, now: number): RateLimitDecision {
    const { start, end } = windowOf(now);
    const stored = this.sql.exec<{ count: number }>('SELECT count FROM counters WHERE bucket = ? AND start = ?', bucket, start).toArray()[0]?.count;
    // First request of a window in this bucket: earlier windows are over.
    if (stored === undefined) this.sql.exec('DELETE FROM counters WHERE bucket = ? AND start < ?', bucket, start);
    const used = stored ?? 0;
    const allowed = used < limit;
    if (allowed) this.sql.exec('INSERT INTO counters (bucket, start, count) VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET count = count + 1', bucket, start);
    const count = used + (allowed ? 1 : 0);
    return { allowed, limit, remaining: Math.max(0, limit - count), reset: end / 1000 };
  }

  /**
   * The key `keyId` if `secret` is its secret and it is live, with the request counted in `bucket`;
   * null (and nothing counted) for a revoked or unknown key or a wrong secret.
   */
  async admitApiKey(keyId: string, secret: string, bucket: string, limit: number, now: number): Promise<{ key: LiveApiKey; decision: RateLimitDecision } | null> {
    const presentedHash = await sha256Hex(secret);
    await this.loadOnce(() => this.sql.exec('SELECT 1 FROM api_key').toArray().length > 0, () => this.loadApiKey(keyId));
    const key = this.sql.exec<{ project_id: string | null; scopes: string | null; secret_hash: string | null; revoked: number }>('SELECT * FROM api_key').one();
    if (key.revoked || key.project_id === null || !timingSafeEqual(presentedHash, key.secret_hash ?? '')) return null;
    const decision = this.count(bucket, limit, now);
    await this.keepUntil(windowOf(now).end + WINDOW_MS);
    return { key: { keyId, projectId: key.project_id, scopes: JSON.parse(key.scopes ?? '[]') }, decision };
  }

  /** Refuses the key from now on (the Worker then revokes it in D1, or deletes it with its project). */
  async revokeApiKey(keyId: string): Promise<void> {
    this.sql.exec('INSERT INTO api_key (id, revoked) VALUES (?, 1) ON CONFLICT DO UPDATE SET revoked = 1', keyId);
  }

  private async loadApiKey(keyId: string) {
    const key = await findApiKeyCredential(this.env.DB, keyId);
    // Unknown in D1 (its project was deleted) is stored as revoked: such a key never comes back.
    this.sql.exec(
      'INSERT OR IGNORE INTO api_key (id, project_id, scopes, secret_hash, revoked) VALUES (?, ?, ?, ?, ?)',
      keyId,
      key?.projectId ?? null,
      key ? JSON.stringify(key.scopes) : null,
      key?.secretHash ?? null,
      key && !key.revoked ? 0 : 1,
    );
  }

  /**
   * Counts a request of session `sessionId` (begun at `startedAt`, epoch ms) of user `userId` in
   * `bucket`; null (and nothing counted) when the session has ended.
   */
  async admitSession(userId: string, sessionId: string, startedAt: number, bucket: string, limit: number, now: number): Promise<RateLimitDecision | null> {
    await this.loadOnce(() => this.sessionsEndedBefore() !== undefined, () => this.loadEndedSessions(userId, now));
    const ended = startedAt < (this.sessionsEndedBefore() ?? 0) || this.sql.exec('SELECT 1 FROM ended_sessions WHERE id = ?', sessionId).toArray().length > 0;
    if (ended) return null;
    const decision = this.count(bucket, limit, now);
    await this.keepUntil(windowOf(now).end + WINDOW_MS);
    return decision;
  }

  /** Ends one session (sign-out, a replayed refresh token); the Worker then revokes it in D1. */
  async endSession(sessionId: string, now: number): Promise<void> {
    this.sql.exec('INSERT OR IGNORE INTO ended_sessions (id, ended_at) VALUES (?, ?)', sessionId, now);
    await this.keepUntil(now + ENDED_SESSION_KEPT_MS);
  }

  /** Ends every session begun before `before` (a password reset); the Worker then revokes them in D1. */
  async endSessionsBefore(before: number): Promise<void> {
    this.sql.exec('INSERT INTO sessions_ended_before (id, at) VALUES (1, ?) ON CONFLICT DO UPDATE SET at = max(at, excluded.at)', before);
  }

  private sessionsEndedBefore = () => this.sql.exec<{ at: number }>('SELECT at FROM sessions_ended_before').toArray()[0]?.at;

  /** An object new to this user learns the sessions revoked recently enough that their tokens may still be in use. */
  private async loadEndedSessions(userId: string, now: number) {
    const revoked = await familiesRevokedSince(this.env.DB, userId, new Date(now - ENDED_SESSION_KEPT_MS).toISOString());
    for (const family of revoked) this.sql.exec('INSERT OR IGNORE INTO ended_sessions (id, ended_at) VALUES (?, ?)', family.familyId, Date.parse(family.revokedAt));
    this.sql.exec('INSERT OR IGNORE INTO sessions_ended_before (id, at) VALUES (1, 0)');
    await this.keepUntil(now + ENDED_SESSION_KEPT_MS);
  }

  /** Runs `load` unless `loaded()`, with every other request to this object waiting, so it runs once. */
  private async loadOnce(loaded: () => boolean, load: () => Promise<void>) {
    if (loaded()) return;
    await this.ctx.blockConcurrencyWhile(async () => {
      if (!loaded()) await load();
    });
  }

  /** Makes sure the idle alarm does not run before `time`. */
  private async keepUntil(time: number) {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current < time) await this.ctx.storage.setAlarm(time);
  }

  /**
   * A whole window passed without a request (every request pushes the alarm past the window after
   * its own): no count is current any more, and sessions ended long enough ago can be forgotten.
   * An object left with nothing (an IP's or a bucket's) frees its storage; a credential's state
   * stays, so it is loaded from D1 once, not after every pause.
   */
  async alarm(): Promise<void> {
    this.sql.exec('DELETE FROM counters');
    this.sql.exec('DELETE FROM ended_sessions WHERE ended_at < ?', Date.now() - ENDED_SESSION_KEPT_MS);
    const oldestEnd = this.sql.exec<{ at: number | null }>('SELECT min(ended_at) AS at FROM ended_sessions').one().at;
    if (oldestEnd !== null) await this.ctx.storage.setAlarm(oldestEnd + ENDED_SESSION_KEPT_MS);
    else if (this.sql.exec('SELECT 1 FROM api_key UNION ALL SELECT 1 FROM sessions_ended_before').toArray().length === 0) {
      await this.ctx.storage.deleteAll();
      this.schemaReady = false;
    }
  }
}
