// Idempotency-Key records of POST /v1/logs (one D1 row per project and key, kept 24 hours).

/** What the first request with a key answered, and whether its entries reached the queue. */
export type IdempotencyRecord = { bodySha256: string; receivedMs: number; ids: string[]; queued: boolean };

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

type Row = { body_sha256: string; received_ms: number; ids: string; queued: number };
const toRecord = (row: Row): IdempotencyRecord => ({
  bodySha256: row.body_sha256,
  receivedMs: row.received_ms,
  ids: JSON.parse(row.ids),
  queued: row.queued === 1,
});

/**
 * Claims the key for this request (a key older than the window counts as free) and returns the
 * record now stored: this request's own when the claim won, else the earlier request's.
 */
export async function claimIdempotencyKey(
  db: D1Database,
  projectId: string,
  key: string,
  record: IdempotencyRecord,
): Promise<IdempotencyRecord> {
  const row = await db
    .prepare(
      `INSERT INTO ingest_idempotency (project_id, key, body_sha256, received_ms, ids, queued) VALUES (?1, ?2, ?3, ?4, ?5, 0)
       ON CONFLICT (project_id, key) DO UPDATE SET body_sha256 = ?3, received_ms = ?4, ids = ?5, queued = 0
         WHERE ingest_idempotency.received_ms <= ?4 - ?6
       RETURNING body_sha256, received_ms, ids, queued`,
    )
    .bind(projectId, key, record.bodySha256, record.receivedMs, JSON.stringify(record.ids), IDEMPOTENCY_WINDOW_MS)
    .first<Row>();
  if (row) return toRecord(row);
  const existing = await db
    .prepare('SELECT body_sha256, received_ms, ids, queued FROM ingest_idempotency WHERE project_id = ? AND key = ?')
    .bind(projectId, key)
    .first<Row>();
  if (!existing) throw new Error('idempotency key neither claimed nor found');
  return toRecord(existing);
}

export async function markQueued(db: D1Database, projectId: string, key: string): Promise<void> {
  await db.prepare('UPDATE ingest_idempotency SET queued = 1 WHERE project_id = ? AND key = ?').bind(projectId, key).run();
}

/** Forgets keys past the window (the daily cron). */
export async function deleteExpiredIdempotencyKeys(db: D1Database, nowMs: number): Promise<void> {
  await db
    .prepare('DELETE FROM ingest_idempotency WHERE received_ms <= ?')
    .bind(nowMs - IDEMPOTENCY_WINDOW_MS)
    .run();
}
