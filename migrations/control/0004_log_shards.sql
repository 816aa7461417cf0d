-- Log entries move out of the control-plane database into log shards (migrations/logs/): each
-- project is placed on one shard when it is created. Deleted projects are recorded until their
-- entries, fast-path objects and archives are gone (deleted in bounded chunks in the background).
PRAGMA foreign_keys = ON;

-- The binding name of the project's log shard (LOGS_0, LOGS_1, …); fixed for the project's life.
ALTER TABLE projects ADD COLUMN log_shard TEXT NOT NULL DEFAULT 'LOGS_0';

CREATE TABLE deleted_projects (
  project_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  log_shard TEXT NOT NULL,
  deleted_at TEXT NOT NULL,
  -- set once nothing of the project is left in its shard, KV or R2
  purged_at TEXT
);
CREATE INDEX deleted_projects_pending ON deleted_projects(purged_at, deleted_at);

-- Version 1 kept one row per entry here; no deployment of it held production data.
DROP TRIGGER log_entries_fts_insert;
DROP TRIGGER log_entries_fts_delete;
DROP TABLE log_entries_fts;
DROP TABLE log_entries;
