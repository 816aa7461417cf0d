import { DurableObject } from 'cloudflare:workers';
import { ACCESS_TOKEN_TTL_SECONDS } from '../lib/access-token';
import { sha256Hex, timingSafeEqual } from '../lib/crypto';
import { MessageGroups, type OutgoingMessage } from '../queue/send';
import { findApiKeyCredential } from '../repositories/api-keys';
import { familiesRevokedSince } from '../repositories/sessions';
import { type LiveApiKey, type RateLimitDecision, WINDOW_MS, windowOf } from './window';

// An ended session must stay refused while an access token issued before its end can still be
// used; a window's margin covers clock differences between the Worker and the object.
const ENDED_SESSION_KEPT_MS = ACCESS_TOKEN_TTL_SECONDS * 1000 + WINDOW_MS;

/** Admissions a counter reserves in SQLite at a time: 1% of the limit, at most 100 (see count). */
const reservationOf = (limit: number) => Math.min(100, Math.ceil(limit / 100));

/**
 * One object per caller (the Worker shards with idFromName: `ip:<address>`, `key:<key id>`,
 * `user:<user id>`, or a named bucket), so a hot tenant only queues behind itself. It holds the
 * caller's exact request counts and, for a credential, whether it is still live, so that a request
 * is counted and its credential checked in one round trip.
 *
 * Counting runs synchronously with no await in between, so concurrent requests cannot interleave
 * a read and a write: counts are exact, and a revocation is either before a request's check or
 * after its admission. Revocations are written here first and then to D1, so a request after a
 * revocation's answer is always refused; an object that has never seen its credential loads it
 * from D1 once (blocking other requests meanwhile).
 *
 * Per call, the object reads only memory: the current window's counts, the credential, the alarm
 * time and the last secret that matched are mirrored in fields, loaded from SQLite once per
 * instance. Revocations are written before their answer leaves (the output gate); counts are
 * written ahead, in reservations (see count).
 */
export class RateLimiter extends DurableObject<Env> {
  private schemaReady = false;
  /** Per bucket, the window last used: admissions counted, and reserved in SQLite. */
  private counts = new Map<string, { start: number; count: number; reserved: number }>();
  /** The idle alarm's time as last read or set; undefined until read. */
  private alarmAt: number | null | undefined;
  /** The credential as stored: the key, or the user's ended sessions; undefined until read. */
  private apiKey: StoredApiKey | undefined;
  private sessions: { endedBefore: number; ended: Set<string> } | undefined;
  /** The last secret whose hash matched the key's: its next requests skip the SHA-256. */
  private matchedSecret: string | undefined;
  /** Admitted ingests' queue messages, those of concurrent requests sent together; made on first use. */
  private outgoing: MessageGroups | undefined;

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
  take(limit: number, now: number, bucket = 'requests'): Promise<RateLimitDecision> {
    return this.admit(bucket, limit, now);
  }

  /** Counts the request (count) and keeps the object's state until a window after the request's. */
  private async admit(bucket: string, limit: number, now: number): Promise<RateLimitDecision> {
    const decision = this.count(bucket, limit, now);
    await this.keepUntil(windowOf(now).end + WINDOW_MS);
    return decision;
  }

  /**
   * Counts exactly in memory (the object is single-threaded and nothing awaits here). SQLite holds
   * a reservation: an admission beyond the stored count first raises it by 1% of the limit (at
   * most 100, at least 1), written before the answer leaves. An object that restarts mid-window
   * (after a crash or a deploy; an idle one has no current window) takes the reservation as used:
   * it never admits more than the limit, and may refuse up to 1% of that window's budget early.
   * Limits of 100 or less are written on every admission, so their stored count is exact.
   */
  private count(bucket: string, limit: number, now: number): RateLimitDecision {
    const { start, end } = windowOf(now);
    let current = this.counts.get(bucket);
    if (current?.start !== start) {
      const stored = this.sql
        .exec<{ count: number }>('SELECT count FROM counters WHERE bucket = ? AND start = ?', bucket, start)
        .toArray()[0]?.count;
      // First request of a window in this bucket: earlier windows are over.
      if (stored === undefined) this.sql.exec('DELETE FROM counters WHERE bucket = ? AND start < ?', bucket, start);
      current = { start, count: stored ?? 0, reserved: stored ?? 0 };
      this.counts.set(bucket, current);
    }
    const allowed = current.count < limit;
    if (allowed && ++current.count > current.reserved) {
      current.reserved = Math.min(limit, current.count - 1 + reservationOf(limit));
      this.sql.exec(
        'INSERT INTO counters (bucket, start, count) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET count = excluded.count',
        bucket,
        start,
        current.reserved,
      );
    }
    return { allowed, limit, remaining: Math.max(0, limit - current.count), reset: end / 1000 };
  }

  /**
   * The key `keyId` if `secret` is its secret and it is live, with the request counted in `bucket`;
   * null (and nothing counted) for a revoked or unknown key or a wrong secret.
   */
  async admitApiKey(
    keyId: string,
    secret: string,
    bucket: string,
    limit: number,
    now: number,
  ): Promise<{ key: LiveApiKey; decision: RateLimitDecision } | null> {
    const key = this.apiKey ?? (await this.loadApiKey(keyId));
    // Liveness is read after the hash's await: a revocation that answered meanwhile is seen.
    if (!(await this.matchesSecret(key, secret)) || key.revoked || key.projectId === null) return null;
    return { key: { keyId, projectId: key.projectId, scopes: key.scopes }, decision: await this.admit(bucket, limit, now) };
  }

  /**
   * An ingest's one round trip: admitApiKey, and for an admitted request its queue messages sent
   * before the answer (rejects if a send fails: the request stays counted, and is not answered 202).
   */
  async admitApiKeyAndSend(
    keyId: string,
    secret: string,
    bucket: string,
    limit: number,
    now: number,
    batches: OutgoingMessage[][],
  ): Promise<{ key: LiveApiKey; decision: RateLimitDecision } | null> {
    const admitted = await this.admitApiKey(keyId, secret, bucket, limit, now);
    if (admitted?.decision.allowed) {
      const outgoing = (this.outgoing ??= new MessageGroups(this.env.LOG_QUEUE));
      await Promise.all(batches.flat().map((message) => outgoing.send(message)));
    }
    return admitted;
  }

  private async matchesSecret(key: StoredApiKey, secret: string) {
    if (this.matchedSecret !== undefined && timingSafeEqual(secret, this.matchedSecret)) return true;
    if (!timingSafeEqual(await sha256Hex(secret), key.secretHash ?? '')) return false;
    this.matchedSecret = secret;
    return true;
  }

  /** Refuses the key from now on (the Worker then revokes it in D1, or deletes it with its project). */
  async revokeApiKey(keyId: string): Promise<void> {
    this.sql.exec('INSERT INTO api_key (id, revoked) VALUES (?, 1) ON CONFLICT DO UPDATE SET revoked = 1', keyId);
    if (this.apiKey) this.apiKey.revoked = true;
  }

  /** The key as stored here, or (once, with every other request waiting) as D1 has it. */
  private async loadApiKey(keyId: string): Promise<StoredApiKey> {
    const stored = () => {
      const row = this.sql
        .exec<{ project_id: string | null; scopes: string | null; secret_hash: string | null; revoked: number }>('SELECT * FROM api_key')
        .toArray()[0];
      return (
        row && {
          projectId: row.project_id,
          scopes: JSON.parse(row.scopes ?? '[]') as string[],
          secretHash: row.secret_hash,
          revoked: row.revoked === 1,
        }
      );
    };
    let key = stored();
    if (!key) {
      await this.ctx.blockConcurrencyWhile(async () => {
        if (stored()) return;
        const credential = await findApiKeyCredential(this.env.DB, keyId);
        // Unknown in D1 (its project was deleted) is stored as revoked: such a key never comes back.
        this.sql.exec(
          'INSERT OR IGNORE INTO api_key (id, project_id, scopes, secret_hash, revoked) VALUES (?, ?, ?, ?, ?)',
          keyId,
          credential?.projectId ?? null,
          credential ? JSON.stringify(credential.scopes) : null,
          credential?.secretHash ?? null,
          credential && !credential.revoked ? 0 : 1,
        );
      });
      key = stored()!;
    }
    // Concurrent loads share one object, the one a revocation marks.
    this.apiKey ??= key;
    return this.apiKey;
  }

  /**
   * Counts a request of session `sessionId` (begun at `startedAt`, epoch ms) of user `userId` in
   * `bucket`; null (and nothing counted) when the session has ended.
   */
  async admitSession(
    userId: string,
    sessionId: string,
    startedAt: number,
    bucket: string,
    limit: number,
    now: number,
  ): Promise<RateLimitDecision | null> {
    const sessions = this.sessions ?? (await this.loadSessions(userId, now));
    if (startedAt < sessions.endedBefore || sessions.ended.has(sessionId)) return null;
    return this.admit(bucket, limit, now);
  }

  /** Ends one session (sign-out, a replayed refresh token); the Worker then revokes it in D1. */
  async endSession(sessionId: string, now: number): Promise<void> {
    this.sql.exec('INSERT OR IGNORE INTO ended_sessions (id, ended_at) VALUES (?, ?)', sessionId, now);
    this.sessions?.ended.add(sessionId);
    await this.keepUntil(now + ENDED_SESSION_KEPT_MS);
  }

  /** Ends every session begun before `before` (a password reset); the Worker then revokes them in D1. */
  async endSessionsBefore(before: number): Promise<void> {
    this.sql.exec('INSERT INTO sessions_ended_before (id, at) VALUES (1, ?) ON CONFLICT DO UPDATE SET at = max(at, excluded.at)', before);
    if (this.sessions) this.sessions.endedBefore = Math.max(this.sessions.endedBefore, before);
  }

  /**
   * The user's ended sessions as stored here; an object new to this user first learns (once, with
   * every other request waiting) the sessions revoked recently enough that their tokens may still be in use.
   */
  private async loadSessions(userId: string, now: number) {
    const endedBefore = () => this.sql.exec<{ at: number }>('SELECT at FROM sessions_ended_before').toArray()[0]?.at;
    if (endedBefore() === undefined) {
      await this.ctx.blockConcurrencyWhile(async () => {
        if (endedBefore() !== undefined) return;
        const revoked = await familiesRevokedSince(this.env.DB, userId, new Date(now - ENDED_SESSION_KEPT_MS).toISOString());
        for (const family of revoked)
          this.sql.exec('INSERT OR IGNORE INTO ended_sessions (id, ended_at) VALUES (?, ?)', family.familyId, Date.parse(family.revokedAt));
        this.sql.exec('INSERT OR IGNORE INTO sessions_ended_before (id, at) VALUES (1, 0)');
        await this.keepUntil(now + ENDED_SESSION_KEPT_MS);
      });
    }
    const ended = this.sql.exec<{ id: string }>('SELECT id FROM ended_sessions').toArray();
    // Concurrent loads share one object, the one that ending a session marks.
    this.sessions ??= { endedBefore: endedBefore()!, ended: new Set(ended.map((row) => row.id)) };
    return this.sessions;
  }

  /** Makes sure the idle alarm does not run before `time`. */
  private async keepUntil(time: number) {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt === null || this.alarmAt < time) {
      this.alarmAt = time;
      await this.ctx.storage.setAlarm(time);
    }
  }

  /**
   * A whole window passed without a request (every request pushes the alarm past the window after
   * its own): no count is current any more, and sessions ended long enough ago can be forgotten.
   * An object left with nothing (an IP's or a bucket's) frees its storage; a credential's state
   * stays, so it is loaded from D1 once, not after every pause.
   */
  async alarm(): Promise<void> {
    this.alarmAt = null;
    this.counts.clear();
    this.sessions = undefined;
    this.sql.exec('DELETE FROM counters');
    this.sql.exec('DELETE FROM ended_sessions WHERE ended_at < ?', Date.now() - ENDED_SESSION_KEPT_MS);
    const oldestEnd = this.sql.exec<{ at: number | null }>('SELECT min(ended_at) AS at FROM ended_sessions').one().at;
    if (oldestEnd !== null) await this.keepUntil(oldestEnd + ENDED_SESSION_KEPT_MS);
    else if (this.sql.exec('SELECT 1 FROM api_key UNION ALL SELECT 1 FROM sessions_ended_before').toArray().length === 0) {
      await this.ctx.storage.deleteAll();
      this.schemaReady = false;
    }
  }
}

type StoredApiKey = { projectId: string | null; scopes: string[]; secretHash: string | null; revoked: boolean };
