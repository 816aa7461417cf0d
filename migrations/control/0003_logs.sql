-- Log entries: written by the queue consumer, read by GET /v1/logs, moved to R2 by retention.
-- Times are canonical RFC 3339 UTC strings with milliseconds (fixed width), so text order is time order.
PRAGMA foreign_keys = ON;

CREATE TABLE log_entries (
  -- An explicit INTEGER PRIMARY KEY: a stable rowid for the full-text index below (VACUUM may
  -- renumber implicit rowids, which would silently detach an external-content FTS table).
  seq INTEGER PRIMARY KEY,
  -- The API id (log_…), assigned at ingest. UNIQUE makes the consumer's INSERT OR IGNORE
  -- idempotent: a redelivered queue message never stores an entry twice.
  id TEXT NOT NULL UNIQUE,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  level TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error', 'fatal')),
  message TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  received_at TEXT NOT NULL,
  -- flat JSON object
  attributes TEXT NOT NULL DEFAULT '{}'
);

-- Pages are newest first by (timestamp, id) within one project. This index serves the unfiltered
-- page, since/until ranges, the keyset cursor and retention's per-project sweep, with no sort.
CREATE INDEX log_entries_project_time ON log_entries(project_id, timestamp, id);
-- A level filter: one ordered index range per requested level (the query merges them).
CREATE INDEX log_entries_project_level_time ON log_entries(project_id, level, timestamp, id);

-- Text search (`q`): a trigram index answers "message contains" for 3+ characters. External
-- content, so messages are not stored twice; the triggers keep it in step (entries are immutable:
-- only inserted, and deleted by retention or project deletion).
CREATE VIRTUAL TABLE log_entries_fts USING fts5(message, content='log_entries', content_rowid='seq', tokenize='trigram');

CREATE TRIGGER log_entries_fts_insert AFTER INSERT ON log_entries BEGIN
  INSERT INTO log_entries_fts(rowid, message) VALUES (new.seq, new.message);
END;

CREATE TRIGGER log_entries_fts_delete AFTER DELETE ON log_entries BEGIN
  INSERT INTO log_entries_fts(log_entries_fts, rowid, message) VALUES ('delete', old.seq, old.message);
END;
