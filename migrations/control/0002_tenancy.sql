-- Tenancy: workspaces, their members, projects and project API keys. Every tenant-owned row hangs
-- off a workspace through foreign keys, so deleting a workspace cannot leave orphans behind.
-- Deletes are done explicitly in one batch by the services; the cascades are a safety net.
PRAGMA foreign_keys = ON;

CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  -- unique across Loglane
  slug TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE workspace_members (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  joined_at TEXT NOT NULL,
  -- also serves every "is this user a member of this workspace" check
  PRIMARY KEY (workspace_id, user_id)
);
-- "my workspaces"
CREATE INDEX workspace_members_user ON workspace_members(user_id);
-- Exactly one owner per workspace: a transfer that forgot to demote the old owner fails.
CREATE UNIQUE INDEX workspace_members_one_owner ON workspace_members(workspace_id) WHERE role = 'owner';

CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  slug TEXT NOT NULL,
  retention_days INTEGER NOT NULL DEFAULT 30 CHECK (retention_days BETWEEN 1 AND 3650),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  -- slugs are unique within a workspace; the index also serves listing a workspace's projects
  UNIQUE (workspace_id, slug)
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  -- JSON array of scopes: ["logs:write","logs:read"]
  scopes TEXT NOT NULL,
  -- the first characters of the secret, shown in lists to tell keys apart
  prefix TEXT NOT NULL,
  -- SHA-256 (hex) of the secret; the secret itself is never stored. Authentication looks keys up here.
  secret_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE INDEX api_keys_project ON api_keys(project_id);
