import type { z } from 'zod';
import type { zSession } from '../../generated/zod/zod.gen';
import { ACCESS_TOKEN_TTL_SECONDS, issueAccessToken } from '../lib/access-token';
import { isoIn } from '../lib/clock';
import { randomId, sha256Hex } from '../lib/crypto';
import { atomically } from '../lib/db';
import { ApiError } from '../lib/errors';
import { limiterOf } from '../rate-limit/objects';
import {
  findRefreshToken,
  insertFamilyStatement,
  insertRefreshTokenStatement,
  revokeFamily,
  revokeUserFamiliesStatement,
  rotateRefreshToken,
} from '../repositories/sessions';
import { findUserById } from '../repositories/users';

/** Refresh tokens live 7 days; every use rotates them. */
const REFRESH_TOKEN_TTL_SECONDS = 7 * 24 * 60 * 60;

export type Session = z.infer<typeof zSession>;

type Family = { id: string; isNew: boolean; startedAt: number };

/**
 * Runs `statements` and the new refresh token's rows in one batch, then signs the access token.
 * A new sign-in starts a family; a refresh continues the one it came from. Access tokens carry when
 * their family began (`sat`), so ending every session begun before a moment needs no list of them.
 */
async function issueSession(env: Env, userId: string, family: Family, statements: D1PreparedStatement[]): Promise<Session> {
  const refreshToken = randomId('rt', 32);
  const tokenRow = { tokenHash: await sha256Hex(refreshToken), familyId: family.id, userId, expiresAt: isoIn(REFRESH_TOKEN_TTL_SECONDS) };
  await atomically(env.DB, [
    ...statements,
    ...(family.isNew ? [insertFamilyStatement(env.DB, family.id, userId, family.startedAt)] : []),
    insertRefreshTokenStatement(env.DB, tokenRow),
  ]);
  const user = await findUserById(env.DB, userId);
  if (!user) throw new Error('session issued for a missing user');
  const accessToken = await issueAccessToken(env, { sub: userId, sid: family.id, sat: family.startedAt });
  return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_TTL_SECONDS, user };
}

/** Signs a user in: a new refresh-token family, written together with the caller's `statements`. */
export const signIn = (env: Env, userId: string, statements: D1PreparedStatement[] = []) =>
  issueSession(env, userId, { id: randomId('ses'), isNew: true, startedAt: Date.now() }, statements);

/**
 * Exchanges a refresh token for new tokens. A token that was already rotated is being replayed
 * (stolen, or raced): its whole family is revoked, so every descendant stops working too.
 */
export async function refresh(env: Env, refreshToken: string): Promise<Session> {
  const tokenHash = await sha256Hex(refreshToken);
  const rotated = await rotateRefreshToken(env.DB, tokenHash);
  if (!rotated) {
    const known = await findRefreshToken(env.DB, tokenHash);
    if (known?.rotatedAt) await endSession(env, known.userId, known.familyId);
    throw ApiError.of('invalidToken');
  }
  return issueSession(env, rotated.userId, { id: rotated.familyId, isNew: false, startedAt: Date.parse(rotated.familyCreatedAt) }, []);
}

/**
 * Ends a session (sign-out, a replayed refresh token): its access tokens are refused from the next
 * request on and its refresh tokens stop working. The user's object is told first, so a failure
 * in between leaves the session refused, never live.
 */
export async function endSession(env: Env, userId: string, familyId: string): Promise<void> {
  await limiterOf(env, `user:${userId}`).endSession(familyId, Date.now());
  await revokeFamily(env.DB, familyId);
}

/**
 * Ends every session of the user begun until now, together with `statements` (a password reset's
 * changes), in one batch; the user's object is told first.
 */
export async function endSessionsWith(env: Env, userId: string, statements: D1PreparedStatement[]): Promise<void> {
  const now = Date.now();
  await limiterOf(env, `user:${userId}`).endSessionsBefore(now + 1);
  await atomically(env.DB, [...statements, revokeUserFamiliesStatement(env.DB, userId, now + 1)]);
}
