import { nowIso } from '../lib/clock';

// Refresh-token families: one family per sign-in, one row per refresh token rotated within it.
// `…Statement` builders are for a caller's `atomically` batch; every other function runs its query.

/** A new sign-in; `startedAt` (epoch ms) is what access tokens carry as `sat`. */
export const insertFamilyStatement = (db: D1Database, familyId: string, userId: string, startedAt: number) =>
  db
    .prepare('INSERT INTO session_families (id, user_id, created_at) VALUES (?, ?, ?)')
    .bind(familyId, userId, new Date(startedAt).toISOString());

/** When the user signed in to this still-live session (refreshes keep the time), or null if it ended. */
export const liveSessionSignedInAt = (db: D1Database, userId: string, familyId: string) =>
  db
    .prepare('SELECT created_at FROM session_families WHERE id = ? AND user_id = ? AND revoked_at IS NULL')
    .bind(familyId, userId)
    .first<string>('created_at');

/**
 * Whether the user's sign-in is live: not signed out, not revoked (the user, too, still exists).
 * Only for when the user's RateLimiter object did not answer (it is where liveness is asked first).
 */
export const isActiveSession = async (db: D1Database, userId: string, familyId: string) =>
  (await liveSessionSignedInAt(db, userId, familyId)) !== null;

export type NewRefreshToken = { tokenHash: string; familyId: string; userId: string; expiresAt: string };

export const insertRefreshTokenStatement = (db: D1Database, token: NewRefreshToken) =>
  db
    .prepare('INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)')
    .bind(token.tokenHash, token.familyId, token.userId, token.expiresAt, nowIso());

/**
 * Marks a live refresh token rotated, in one statement so that of two concurrent uses exactly one
 * wins. Null when the token is unknown, expired, already rotated, or its family is revoked.
 */
export async function rotateRefreshToken(
  db: D1Database,
  tokenHash: string,
): Promise<{ familyId: string; userId: string; familyCreatedAt: string } | null> {
  const now = nowIso();
  const row = await db
    .prepare(
      `UPDATE refresh_tokens SET rotated_at = ?1
       WHERE token_hash = ?2 AND rotated_at IS NULL AND expires_at > ?1
         AND family_id IN (SELECT id FROM session_families WHERE revoked_at IS NULL)
       RETURNING family_id, user_id, (SELECT created_at FROM session_families WHERE id = family_id) AS family_created_at`,
    )
    .bind(now, tokenHash)
    .first<{ family_id: string; user_id: string; family_created_at: string }>();
  return row && { familyId: row.family_id, userId: row.user_id, familyCreatedAt: row.family_created_at };
}

export async function findRefreshToken(
  db: D1Database,
  tokenHash: string,
): Promise<{ familyId: string; userId: string; rotatedAt: string | null } | null> {
  const row = await db
    .prepare('SELECT family_id, user_id, rotated_at FROM refresh_tokens WHERE token_hash = ?')
    .bind(tokenHash)
    .first<{ family_id: string; user_id: string; rotated_at: string | null }>();
  return row && { familyId: row.family_id, userId: row.user_id, rotatedAt: row.rotated_at };
}

export async function revokeFamily(db: D1Database, familyId: string): Promise<void> {
  await db.prepare('UPDATE session_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').bind(nowIso(), familyId).run();
}

/** Revokes the user's sessions begun before `before` (epoch ms): the ones the user's object was told to end. */
export const revokeUserFamiliesStatement = (db: D1Database, userId: string, before: number) =>
  db
    .prepare('UPDATE session_families SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND created_at < ?')
    .bind(nowIso(), userId, new Date(before).toISOString());

/** The user's sessions revoked since `since` (ISO): what a user's RateLimiter object starts from. */
export async function familiesRevokedSince(
  db: D1Database,
  userId: string,
  since: string,
): Promise<{ familyId: string; revokedAt: string }[]> {
  const { results } = await db
    .prepare('SELECT id, revoked_at FROM session_families WHERE user_id = ? AND revoked_at > ?')
    .bind(userId, since)
    .all<{ id: string; revoked_at: string }>();
  return results.map((row) => ({ familyId: row.id, revokedAt: row.revoked_at }));
}
