import { sign, verify } from 'hono/jwt';
import { setNewest } from './bounded';
import { unixSeconds } from './clock';
import { hmacKey } from './crypto';
import { ApiError } from './errors';

/** Access tokens live 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
// Pinned: a token claiming any other algorithm (alg: none included) is refused.
const ALGORITHM = 'HS256';

type TokenEnv = Pick<Env, 'JWT_SECRET' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>;

/** The user, their session (refresh-token family) and when that session began (epoch ms, `sat`). */
export type AccessClaims = { sub: string; sid: string; sat: number };

export async function issueAccessToken(env: TokenEnv, claims: AccessClaims): Promise<string> {
  const iat = unixSeconds();
  return sign(
    { ...claims, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, iat, exp: iat + ACCESS_TOKEN_TTL_SECONDS },
    await hmacKey(env.JWT_SECRET),
    ALGORITHM,
  );
}

/** Verifies signature, algorithm, issuer, audience and expiry; failures are the seed's 401s. */
export async function verifyAccessToken(env: TokenEnv, token: string): Promise<AccessClaims> {
  const verified = verifiedTokensOf(env);
  const now = unixSeconds();
  const known = verified.get(token);
  if (known && known.iat <= now && now < known.exp) return known.claims;
  try {
    const payload = await verify(token, await hmacKey(env.JWT_SECRET), { alg: ALGORITHM, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE });
    const { sub, sid, sat, iat, exp } = payload;
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      typeof sat !== 'number' ||
      typeof iat !== 'number' ||
      typeof exp !== 'number'
    ) {
      throw ApiError.of('invalidToken');
    }
    const claims = { sub, sid, sat };
    // Loglane never issues nbf; a token carrying one is verified afresh every time.
    if (payload.nbf === undefined) setNewest(verified, token, { claims, iat, exp }, VERIFIED_TOKENS_PER_CONFIGURATION);
    return claims;
  } catch (error) {
    verified.delete(token);
    if (error instanceof ApiError) throw error;
    throw ApiError.of((error as Error).name === 'JwtTokenExpired' ? 'tokenExpired' : 'invalidToken');
  }
}

// A verification is a pure function of the token, the key, issuer, audience and the clock. Tokens
// that verified are remembered per isolate and configuration (bounded, oldest out first) with their
// time claims, which are checked again on every use: a caller's next requests skip the HMAC, and
// nothing is accepted that a fresh verification would refuse. Only signed tokens get in, so a flood
// of forged ones cannot evict anything.
const VERIFIED_TOKENS_PER_CONFIGURATION = 1000;
type VerifiedToken = { claims: AccessClaims; iat: number; exp: number };
const verifiedTokens = new Map<string, Map<string, VerifiedToken>>();

function verifiedTokensOf(env: TokenEnv): Map<string, VerifiedToken> {
  // NUL separates: no configured value contains one. (Cheaper than JSON on every request.)
  const configuration = `${env.JWT_SECRET}\0${env.JWT_ISSUER}\0${env.JWT_AUDIENCE}`;
  let tokens = verifiedTokens.get(configuration);
  if (!tokens) verifiedTokens.set(configuration, (tokens = new Map()));
  return tokens;
}
