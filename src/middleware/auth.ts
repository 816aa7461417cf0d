import type { Context, MiddlewareHandler } from 'hono';
import { verifyAccessToken, type AccessClaims } from '../lib/access-token';
import { sha256Hex } from '../lib/crypto';
import { ApiError } from '../lib/errors';
import { authenticateApiKey, recordApiKeyUse, type ApiKeyScope } from '../services/api-keys';
import { isActiveSession } from '../repositories/sessions';
import type { AppEnv, Principal } from '../types';

export type Credential = { kind: 'apiKey'; secret: string } | { kind: 'jwt'; token: string };

const API_KEY_PREFIX = 'sk_';

/** What the caller presented: `X-API-Key: sk_…`, `Authorization: Bearer sk_…`, or `Authorization: Bearer <JWT>`. */
export function presentedCredential(c: Context<AppEnv>): Credential | undefined {
  const apiKey = c.req.header('X-API-Key');
  if (apiKey) return { kind: 'apiKey', secret: apiKey };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('Authorization') ?? '');
  if (!match) return undefined;
  return match[1].startsWith(API_KEY_PREFIX) ? { kind: 'apiKey', secret: match[1] } : { kind: 'jwt', token: match[1] };
}

/**
 * Work on a presented credential that both the rate limiter and the auth guard need, done once per
 * request (and again only for a different credential).
 */
function oncePerRequest<T>(c: Context<AppEnv>, name: 'accessClaims' | 'apiKeyHash', input: string, compute: () => Promise<T>): Promise<T> {
  const memo = c.get(name) as { input: string; result: Promise<T> } | undefined;
  if (memo?.input === input) return memo.result;
  const result = compute();
  c.set(name, { input, result } as never);
  return result;
}

/** The presented access token's verified claims. */
export const accessClaims = (c: Context<AppEnv>, token: string) => oncePerRequest(c, 'accessClaims', token, () => verifyAccessToken(c.env, token));

/** The presented API key's SHA-256 (what keys are stored and rate limited by). */
export const apiKeyHash = (c: Context<AppEnv>, secret: string) => oncePerRequest(c, 'apiKeyHash', secret, () => sha256Hex(secret));

/**
 * Verifies a user's access token into the principal the routes see. Its session must still be
 * live: signing out, a password reset or a replayed refresh token ends its access tokens at once.
 */
export async function userFromToken(c: Context<AppEnv>, token: string) {
  const claims = await accessClaims(c, token);
  if (!(await isActiveSession(c.env.DB, claims.sub, claims.sid))) throw ApiError.of('invalidToken');
  return { kind: 'user' as const, userId: claims.sub, sessionId: claims.sid };
}

/** Routes for signed-in users: a valid access token, or the seed's 401. */
export const requireUser = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const credential = presentedCredential(c);
  if (!credential) throw ApiError.of('authenticationRequired');
  if (credential.kind !== 'jwt') throw ApiError.of('invalidToken');
  c.set('principal', await userFromToken(c, credential.token));
  await next();
};

/** requireUser for routes where signing in is optional: no credentials pass as anonymous, bad ones still fail. */
export const optionalUser = (): MiddlewareHandler<AppEnv> => {
  const required = requireUser();
  return (c, next) => (presentedCredential(c) ? required(c, next) : next());
};

/** The caller an auth guard admitted; only for routes behind one. */
export function currentPrincipal(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw new Error('currentPrincipal used on a route without an auth guard');
  return principal;
}

/** The signed-in user's id; only for routes behind requireUser. */
export function currentUserId(c: Context<AppEnv>): string {
  const principal = currentPrincipal(c);
  if (principal.kind !== 'user') throw new Error('currentUserId used on a route without requireUser');
  return principal.userId;
}

/** Checks a presented key and its scope: 401 unknown or revoked, 403 without the scope. */
async function apiKeyPrincipal(c: Context<AppEnv>, secret: string, scope: ApiKeyScope) {
  const key = await authenticateApiKey(c.env, secret, (presented) => apiKeyHash(c, presented));
  inBackground(c, recordApiKeyUse(c.env, key.keyId));
  if (!key.scopes.includes(scope)) throw ApiError.of('insufficientScope');
  return { kind: 'apiKey' as const, ...key };
}

/** Work that may finish after the response (no execution context, e.g. app.fetch in a test: it just runs). */
function inBackground(c: Context<AppEnv>, task: Promise<unknown>) {
  try {
    c.executionCtx.waitUntil(task);
  } catch {
    // no ExecutionContext; the promise still settles on its own
  }
}

/** Routes for machines: a project API key with `scope`. A user's JWT is not a key: 401 "Invalid or revoked API key". */
export const requireApiKey =
  (scope: ApiKeyScope): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const credential = presentedCredential(c);
    if (!credential) throw ApiError.of('authenticationRequired');
    if (credential.kind !== 'apiKey') throw ApiError.of('invalidApiKey');
    c.set('principal', await apiKeyPrincipal(c, credential.secret, scope));
    await next();
  };

/**
 * Routes open to both (GET /v1/logs): a JWT gives the user principal (the route then checks
 * membership of the project's workspace), a key gives the key principal with `scope` checked.
 */
export const requireUserOrApiKey =
  (scope: ApiKeyScope): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const credential = presentedCredential(c);
    if (!credential) throw ApiError.of('authenticationRequired');
    c.set('principal', credential.kind === 'jwt' ? await userFromToken(c, credential.token) : await apiKeyPrincipal(c, credential.secret, scope));
    await next();
  };
