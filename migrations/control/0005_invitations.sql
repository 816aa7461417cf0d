-- Invitations to join a workspace (issue 15): addressed to an email, accepted or declined by the
-- person who proves that address, withdrawn by admins, open until expires_at. Accepting,
-- declining and revoking delete the row.
PRAGMA foreign_keys = ON;

CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  email TEXT NOT NULL COLLATE NOCASE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  -- one open invitation per address and workspace: inviting again renews it
  UNIQUE (workspace_id, email)
);
-- "my invitations"
CREATE INDEX invitations_email ON invitations(email);
