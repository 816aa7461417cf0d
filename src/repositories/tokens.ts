import { nowIso } from '../lib/clock';

// Single-use tokens sent by email, stored only as a hash. The insert is a statement for a caller's batch.

export type TokenPurpose = 'verify_email' | 'magic_link' | 'reset_password';

export type NewOneTimeToken = { tokenHash: string; purpose: TokenPurpose; email: string; userId: string | null; expiresAt: string };

export const insertOneTimeTokenStatement = (db: D1Database, token: NewOneTimeToken) =>
  db
    .prepare('INSERT INTO one_time_tokens (token_hash, purpose, email, user_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(token.tokenHash, token.purpose, token.email, token.userId, token.expiresAt, nowIso());

/**
 * Uses a token up: one statement marks it used only if it is unused and unexpired, so of two
 * racing uses exactly one gets the row back. Null for unknown, used, expired or other-purpose tokens.
 */
export async function consumeOneTimeToken(
  db: D1Database,
  tokenHash: string,
  purpose: TokenPurpose,
): Promise<{ email: string; userId: string | null } | null> {
  const now = nowIso();
  const row = await db
    .prepare(
      `UPDATE one_time_tokens SET used_at = ?1
       WHERE token_hash = ?2 AND purpose = ?3 AND used_at IS NULL AND expires_at > ?1
       RETURNING email, user_id`,
    )
    .bind(now, tokenHash, purpose)
    .first<{ email: string; user_id: string | null }>();
  return row && { email: row.email, userId: row.user_id };
}
