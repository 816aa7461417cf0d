import { sign, verify } from 'hono/jwt';
import { ApiError } from './errors';
import { unixSeconds } from './clock';

/** Access tokens live 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
// Pinned: a token claiming any other algorithm (alg: none included) is refused.
const ALGORITHM = 'HS256';

type TokenEnv = Pick<Env, 'JWT_SECRET' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>;

export type AccessClaims = { sub: string; sid: string };

// Importing the HMAC key costs about as much as a verification: import it once per secret and isolate.
const hmacKeys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    hmacKeys.set(secret, key);
  }
  return key;
}

export async function issueAccessToken(env: TokenEnv, claims: AccessClaims): Promise<string> {
  const iat = unixSeconds();
  return sign({ ...claims, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, iat, exp: iat + ACCESS_TOKEN_TTL_SECONDS }, await hmacKey(env.JWT_SECRET), ALGORITHM);
}

/** Verifies signature, algorithm, issuer, audience and expiry; failures are the seed's 401s. */
export async function verifyAccessToken(env: TokenEnv, token: string): Promise<AccessClaims> {
  try {
    const payload = await verify(token, await hmacKey(env.JWT_SECRET), { alg: ALGORITHM, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw ApiError.of('invalidToken');
    return { sub: payload.sub, sid: payload.sid };
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw ApiError.of((error as Error).name === 'JwtTokenExpired' ? 'tokenExpired' : 'invalidToken');
  }
}
