import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from '../lib/errors';
import { windowOf, type RateLimitDecision } from '../rate-limit/window';
import type { AppEnv } from '../types';
import { accessClaims, apiKeyHash, presentedCredential } from './auth';

type LimitVar = 'RATE_LIMIT_AUTH_PER_MINUTE' | 'RATE_LIMIT_API_PER_MINUTE' | 'RATE_LIMIT_INGEST_PER_MINUTE' | 'RATE_LIMIT_EMAIL_PER_MINUTE';

/** How one route group is limited. */
type Group = {
  name: string;
  limit: LimitVar;
  /** Used when the variable is unset or not a whole number (0 is allowed: it refuses everything). */
  defaultLimit: number;
  /**
   * When the limiter itself fails: refuse (auth, where a missing limit invites credential
   * stuffing) or admit (everything else, where a limiter outage must not become an API outage).
   */
  failClosed: boolean;
};

const AUTH: Group = { name: 'auth', limit: 'RATE_LIMIT_AUTH_PER_MINUTE', defaultLimit: 10, failClosed: true };
const API: Group = { name: 'api', limit: 'RATE_LIMIT_API_PER_MINUTE', defaultLimit: 600, failClosed: false };
const INGEST: Group = { name: 'ingest', limit: 'RATE_LIMIT_INGEST_PER_MINUTE', defaultLimit: 6000, failClosed: false };
// Sign-in attempts and mail per target address, whatever IPs they come from (see limitPerEmail).
const EMAIL: Group = { name: 'email', limit: 'RATE_LIMIT_EMAIL_PER_MINUTE', defaultLimit: 5, failClosed: true };

export type RateLimitPolicy = { group: Group; key: string; limit: number };

/** The client IP as Cloudflare reports it; X-Forwarded-For is client-controlled and never read. */
const clientIp = (c: Context<AppEnv>) => c.req.header('CF-Connecting-IP') ?? 'unknown';

/**
 * Who a request counts against, decided without D1: a verified user, an API key (by the hash of
 * the secret presented, valid or not), else the client IP.
 */
async function callerKey(c: Context<AppEnv>): Promise<string> {
  const credential = presentedCredential(c);
  if (credential?.kind === 'apiKey') return `key:${await apiKeyHash(c, credential.secret)}`;
  if (credential?.kind === 'jwt') {
    const claims = await accessClaims(c, credential.token).catch(() => undefined);
    if (claims) return `user:${claims.sub}`;
  }
  return `ip:${clientIp(c)}`;
}

/** The group, counter key and limit for a request; undefined for health, which is never limited. */
export async function rateLimitPolicy(c: Context<AppEnv>): Promise<RateLimitPolicy | undefined> {
  const { path, method } = c.req;
  if (path === '/v1/health') return undefined;
  if (path === '/v1/auth' || path.startsWith('/v1/auth/')) return groupPolicy(c, AUTH, `ip:${clientIp(c)}`);
  const caller = await callerKey(c);
  // Ingest has its own budget per API key; anyone else posting logs counts as ordinary API use.
  const group = method === 'POST' && path === '/v1/logs' && caller.startsWith('key:') ? INGEST : API;
  return groupPolicy(c, group, caller);
}

function groupPolicy(c: Context<AppEnv>, group: Group, caller: string): RateLimitPolicy {
  const configured = c.env[group.limit]?.trim() ?? '';
  const limit = /^\d{1,9}$/.test(configured) ? Number(configured) : group.defaultLimit;
  return { group, key: `${group.name}:${caller}`, limit };
}

function setLimitHeaders(c: Context<AppEnv>, { limit, remaining, reset }: RateLimitDecision) {
  c.header('X-RateLimit-Limit', String(limit));
  c.header('X-RateLimit-Remaining', String(remaining));
  c.header('X-RateLimit-Reset', String(reset));
}

/**
 * Counts every request but health in a RateLimiter Durable Object (exact under concurrency) and
 * refuses with 429 before any other work: no body is read and no D1 query runs for a refused request.
 * Registered before the body limit and the routes.
 */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const policy = await rateLimitPolicy(c);
  if (!policy) return next();
  await enforce(c, policy);
  await next();
};

/**
 * Counts an auth request against the email address it targets as well (login, magic link,
 * forgot-password), so that rotating client IPs buys neither password guesses against one account
 * nor mail to one inbox. Known and unknown addresses count alike. The response's X-RateLimit-*
 * headers then describe this, the tighter, limit.
 */
export const limitPerEmail = (c: Context<AppEnv>, email: string) => enforce(c, groupPolicy(c, EMAIL, `email:${email.toLowerCase()}`));

/** Takes one request from the policy's counter; sets the X-RateLimit-* headers, and refuses with 429 over the limit. */
async function enforce(c: Context<AppEnv>, policy: RateLimitPolicy) {
  const now = Date.now();
  let decision: RateLimitDecision;
  try {
    const limiter = c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(policy.key));
    decision = await limiter.take(policy.limit, now);
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', requestId: c.get('requestId'), message: 'rate limiter failed', group: policy.group.name, failClosed: policy.group.failClosed, error: String(error) }));
    // 500 rather than 429: the client exceeded nothing and there is no reset to wait for; every
    // auth operation declares 500, whose X-RateLimit-* headers are optional.
    if (policy.group.failClosed) throw ApiError.of('internalError');
    // Admitted uncounted: the headers still describe the window, with the full limit remaining.
    decision = { allowed: true, limit: policy.limit, remaining: policy.limit, reset: windowOf(now).end / 1000 };
  }
  // Set before the route runs: every response is made through the context (c.json, c.body, the
  // error handler), which carries these headers, and none has to be rebuilt to add them after.
  setLimitHeaders(c, decision);
  if (!decision.allowed) {
    c.header('Retry-After', String(Math.max(0, Math.ceil(decision.reset - now / 1000))));
    throw ApiError.of('rateLimited');
  }
}
