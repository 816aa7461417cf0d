-- Idempotency-Key answers of POST /v1/logs, per project, for 24 hours: the body's digest, the ids
-- answered and the receive time they were minted at, so that a retry gets the same answer (and, if
-- the first attempt never finished queueing, re-queues the same ids, which storage deduplicates).
CREATE TABLE ingest_idempotency (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  ids TEXT NOT NULL,
  queued INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, key)
) WITHOUT ROWID;
-- The daily cron deletes expired keys by age.
CREATE INDEX ingest_idempotency_received ON ingest_idempotency (received_ms);
