import type { Context, MiddlewareHandler } from 'hono';
import { verifyAccessToken } from '../lib/access-token';
import { afterResponse } from '../lib/background';
import { ApiError } from '../lib/errors';
import { isActiveSession } from '../repositories/sessions';
import { type ApiKeyScope, apiKeyIdOf, authenticateApiKeyInD1, recordApiKeyUse } from '../services/api-keys';
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
function oncePerRequest<T>(c: Context<AppEnv>, name: 'accessClaims' | 'apiKeyId', input: string, compute: () => Promise<T>): Promise<T> {
  const memo = c.get(name) as { input: string; result: Promise<T> } | undefined;
  if (memo?.input === input) return memo.result;
  const result = compute();
  c.set(name, { input, result } as never);
  return result;
}

/** The presented access token's verified claims. */
export const accessClaims = (c: Context<AppEnv>, token: string) =>
  oncePerRequest(c, 'accessClaims', token, () => verifyAccessToken(c.env, token));

/** The key id of a presented API key whose tag is the Worker's; undefined for anything else. */
export const apiKeyId = (c: Context<AppEnv>, secret: string) => oncePerRequest(c, 'apiKeyId', secret, () => apiKeyIdOf(c.env, secret));

/** Records that the key was used (at most once a minute per key and isolate), after the response. */
export function recordKeyUse(c: Context<AppEnv>, keyId: string): void {
  const recording = recordApiKeyUse(c.env, keyId);
  if (recording) afterResponse(c, 'recording API key use', recording);
}

/**
 * The principal of a presented credential. The rate limiter's round trip to the credential's
 * object has usually answered already (`vouched`: live and counted, or ended); when it did not
 * (auth routes count per IP only; or the limiter failed), D1 answers. An ingest whose round trip
 * waits for its messages runs on the key as last admitted (`rememberedKey`, see rateLimit), whose
 * use is recorded once its object has admitted the request.
 */
async function principalOf(c: Context<AppEnv>, credential: Credential): Promise<Principal> {
  const vouched = c.get('vouched');
  if (credential.kind === 'jwt') {
    const claims = await accessClaims(c, credential.token);
    if (vouched === 'ended') throw ApiError.of('invalidToken');
    if (vouched?.kind === 'user') return vouched;
    if (!(await isActiveSession(c.env.DB, claims.sub, claims.sid))) throw ApiError.of('invalidToken');
    return { kind: 'user', userId: claims.sub, sessionId: claims.sid };
  }
  const keyId = await apiKeyId(c, credential.secret);
  if (!keyId || vouched === 'ended') throw ApiError.of('invalidApiKey');
  const remembered = c.get('rememberedKey');
  if (vouched === undefined && remembered?.keyId === keyId) return remembered;
  const key =
    vouched?.kind === 'apiKey' ? vouched : { kind: 'apiKey' as const, ...(await authenticateApiKeyInD1(c.env, keyId, credential.secret)) };
  recordKeyUse(c, key.keyId);
  return key;
}

/** Routes for signed-in users: a valid access token of a live session, or the seed's 401. */
export const requireUser = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const credential = presentedCredential(c);
  if (!credential) throw ApiError.of('authenticationRequired');
  if (credential.kind !== 'jwt') throw ApiError.of('invalidToken');
  c.set('principal', await principalOf(c, credential));
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

/** 403 unless the key has `scope`. */
function withScope(principal: Principal, scope: ApiKeyScope): Principal {
  if (principal.kind === 'apiKey' && !principal.scopes.includes(scope)) throw ApiError.of('insufficientScope');
  return principal;
}

/** Routes for machines: a project API key with `scope`. A user's JWT is not a key: 401 "Invalid or revoked API key". */
export const requireApiKey =
  (scope: ApiKeyScope): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const credential = presentedCredential(c);
    if (!credential) throw ApiError.of('authenticationRequired');
    if (credential.kind !== 'apiKey') throw ApiError.of('invalidApiKey');
    c.set('principal', withScope(await principalOf(c, credential), scope));
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
    c.set('principal', withScope(await principalOf(c, credential), scope));
    await next();
  };
