import { ACCESS_TOKEN_TTL_SECONDS, issueAccessToken } from '../lib/access-token';
import { isoIn } from '../lib/clock';
import { randomId, sha256Hex } from '../lib/crypto';
import { atomically } from '../lib/db';
import { ApiError } from '../lib/errors';
import { findRefreshToken, insertFamily, insertRefreshToken, revokeFamily, rotateRefreshToken } from '../repositories/sessions';
import { findUserById, toUser } from '../repositories/users';

/** Refresh tokens live 7 days; every use rotates them. */
const REFRESH_TOKEN_TTL_SECONDS = 7 * 24 * 60 * 60;

export type Session = {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: ReturnType<typeof toUser>;
};

/**
 * Runs `statements` and the new refresh token's rows in one batch, then signs the access token.
 * A new sign-in starts a family; a refresh continues the one it came from.
 */
async function issueSession(env: Env, userId: string, family: { id: string; isNew: boolean }, statements: D1PreparedStatement[]): Promise<Session> {
  const refreshToken = randomId('rt', 32);
  const tokenRow = { tokenHash: await sha256Hex(refreshToken), familyId: family.id, userId, expiresAt: isoIn(REFRESH_TOKEN_TTL_SECONDS) };
  await atomically(env.DB, [
    ...statements,
    ...(family.isNew ? [insertFamily(env.DB, family.id, userId)] : []),
    insertRefreshToken(env.DB, tokenRow),
  ]);
  const user = await findUserById(env.DB, userId);
  if (!user) throw new Error('session issued for a missing user');
  const accessToken = await issueAccessToken(env, { sub: userId, sid: family.id });
  return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_TTL_SECONDS, user: toUser(user) };
}

/** Signs a user in: a new refresh-token family, written together with the caller's `statements`. */
export const signIn = (env: Env, userId: string, statements: D1PreparedStatement[] = []) =>
  issueSession(env, userId, { id: randomId('ses'), isNew: true }, statements);

/**
 * Exchanges a refresh token for new tokens. A token that was already rotated is being replayed
 * (stolen, or raced): its whole family is revoked, so every descendant stops working too.
 */
export async function refresh(env: Env, refreshToken: string): Promise<Session> {
  const tokenHash = await sha256Hex(refreshToken);
  const rotated = await rotateRefreshToken(env.DB, tokenHash);
  if (!rotated) {
    const known = await findRefreshToken(env.DB, tokenHash);
    if (known?.rotated_at) await revokeFamily(env.DB, known.family_id).run();
    throw ApiError.of('invalidToken');
  }
  return issueSession(env, rotated.user_id, { id: rotated.family_id, isNew: false }, []);
}

/** Signs out the session the access token belongs to: its refresh family stops working. */
export async function signOut(env: Env, familyId: string): Promise<void> {
  await revokeFamily(env.DB, familyId).run();
}
