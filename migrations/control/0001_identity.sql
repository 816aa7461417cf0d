-- Identity: users, their sign-in methods, refresh-token families, one-time email tokens and the
-- development outbox. Times are RFC 3339 UTC strings; ids carry a type prefix.
PRAGMA foreign_keys = ON;

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name TEXT NOT NULL,
  email_verified INTEGER NOT NULL DEFAULT 0,
  -- "pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>", NULL for users without a password
  password_hash TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE auth_methods (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  method TEXT NOT NULL CHECK (method IN ('password', 'github', 'google')),
  -- the provider's account id for OAuth methods
  provider_account_id TEXT,
  linked_at TEXT NOT NULL,
  PRIMARY KEY (user_id, method)
);
CREATE UNIQUE INDEX auth_methods_provider_account ON auth_methods(method, provider_account_id) WHERE provider_account_id IS NOT NULL;

-- One row per refresh token. A family is every token rotated from one sign-in; reusing a rotated
-- token revokes the family.
CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  family_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at TEXT NOT NULL,
  rotated_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);

CREATE TABLE session_families (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  revoked_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX session_families_user ON session_families(user_id);

-- Single-use tokens sent by email (verification, magic link, password reset), stored hashed.
CREATE TABLE one_time_tokens (
  token_hash TEXT PRIMARY KEY,
  purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'magic_link', 'reset_password')),
  email TEXT NOT NULL COLLATE NOCASE,
  user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
  expires_at TEXT NOT NULL,
  used_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX one_time_tokens_email ON one_time_tokens(email, purpose);

-- Development and test mail: what the Mailer "sent", readable at GET /v1/dev/outbox.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient TEXT NOT NULL COLLATE NOCASE,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  token TEXT,
  sent_at TEXT NOT NULL
);
CREATE INDEX outbox_recipient ON outbox(recipient, id);
