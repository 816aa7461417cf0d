import type { Context, MiddlewareHandler } from 'hono';
import ipaddr from 'ipaddr.js';
import type { AccessClaims } from '../lib/access-token';
import { ApiError } from '../lib/errors';
import { log } from '../lib/log';
import { isOneMessage, type LogSender, type OutgoingMessage, sendMessages } from '../queue/send';
import { forgetApiKeys, rememberAdmission, takeRememberedRoom } from '../rate-limit/admitted-keys';
import { limiterOf } from '../rate-limit/objects';
import { type RateLimitDecision, windowOf } from '../rate-limit/window';
import { authenticateApiKeyInD1 } from '../services/api-keys';
import type { AppEnv } from '../types';
import { accessClaims, apiKeyId, presentedCredential, recordKeyUse } from './auth';

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

/** POST /v1/logs and its OpenTelemetry twin share one budget. */
const INGEST_PATHS = new Set(['/v1/logs', '/v1/otlp/v1/logs']);

/** Who pays for a request: a credential the Worker verified alone (its object checks the rest), else the client address. */
type Payer =
  | { kind: 'apiKey'; keyId: string; secret: string }
  | { kind: 'user'; claims: AccessClaims }
  | { kind: 'address'; address: string }
  | { kind: 'email'; email: string };

export type RateLimitPolicy = { group: Group; payer: Payer; limit: number };

/**
 * The client address as Cloudflare reports it (X-Forwarded-For is client-controlled and never
 * read); IPv6 by its /64, which a single subscriber usually holds whole.
 */
function clientAddress(c: Context<AppEnv>): string {
  const reported = c.req.header('CF-Connecting-IP') ?? '';
  if (!ipaddr.isValid(reported)) return 'unknown';
  const address = ipaddr.process(reported);
  return address.kind() === 'ipv4' ? address.toString() : `${ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/64`).toString()}/64`;
}

/**
 * A credential the Worker can vouch for without storage: an API key whose tag verifies, or an
 * access token whose signature and claims do. Anything else pays as the client address.
 */
async function payerOf(c: Context<AppEnv>): Promise<Payer> {
  const credential = presentedCredential(c);
  if (credential?.kind === 'apiKey') {
    const keyId = await apiKeyId(c, credential.secret);
    if (keyId) return { kind: 'apiKey', keyId, secret: credential.secret };
  }
  if (credential?.kind === 'jwt') {
    const claims = await accessClaims(c, credential.token).catch(() => undefined);
    if (claims) return { kind: 'user', claims };
  }
  return { kind: 'address', address: clientAddress(c) };
}

/** The group, payer and limit for a request; undefined for health, which is never limited. */
export async function rateLimitPolicy(c: Context<AppEnv>): Promise<RateLimitPolicy | undefined> {
  const { path, method } = c.req;
  if (path === '/v1/health') return undefined;
  if (path === '/v1/auth' || path.startsWith('/v1/auth/')) return groupPolicy(c, AUTH, { kind: 'address', address: clientAddress(c) });
  const payer = await payerOf(c);
  // Ingest has its own budget per API key; anyone else posting logs counts as ordinary API use.
  return groupPolicy(c, method === 'POST' && INGEST_PATHS.has(path) && payer.kind === 'apiKey' ? INGEST : API, payer);
}

function groupPolicy(c: Context<AppEnv>, group: Group, payer: Payer): RateLimitPolicy {
  const configured = c.env[group.limit]?.trim() ?? '';
  const limit = /^\d{1,9}$/.test(configured) ? Number(configured) : group.defaultLimit;
  return { group, payer, limit };
}

/**
 * The one round trip: the payer's object counts the request and, for a credential, says whether it
 * is live (recorded as `vouched` for the auth guards); with an ingest's queue messages, the key's
 * object also sends them if it admits the request. A credential its object refuses is counted
 * against the client address instead, as ordinary API use.
 */
async function admit(
  c: Context<AppEnv>,
  { group, payer, limit }: RateLimitPolicy,
  now: number,
  messages?: OutgoingMessage[][],
): Promise<RateLimitDecision> {
  if (payer.kind === 'apiKey') {
    const limiter = limiterOf(c.env, `key:${payer.keyId}`);
    const admitted = messages
      ? await limiter.admitApiKeyAndSend(payer.keyId, payer.secret, group.name, limit, now, messages)
      : await limiter.admitApiKey(payer.keyId, payer.secret, group.name, limit, now);
    rememberAdmission(c.env, { keyId: payer.keyId, secret: payer.secret, bucket: group.name, now }, admitted);
    c.set('vouched', admitted ? { kind: 'apiKey', ...admitted.key } : 'ended');
    if (admitted) return admitted.decision;
  } else if (payer.kind === 'user') {
    const { sub, sid, sat } = payer.claims;
    const decision = await limiterOf(c.env, `user:${sub}`).admitSession(sub, sid, sat, group.name, limit, now);
    c.set('vouched', decision ? { kind: 'user', userId: sub, sessionId: sid } : 'ended');
    if (decision) return decision;
  } else {
    return limiterOf(c.env, payer.kind === 'address' ? `ip:${payer.address}` : `bucket:email:${payer.email}`).take(limit, now, group.name);
  }
  return admit(c, groupPolicy(c, API, { kind: 'address', address: clientAddress(c) }), now);
}

function setLimitHeaders(c: Context<AppEnv>, { limit, remaining, reset }: RateLimitDecision) {
  c.header('X-RateLimit-Limit', String(limit));
  c.header('X-RateLimit-Remaining', String(remaining));
  c.header('X-RateLimit-Reset', String(reset));
}

/**
 * Counts every request but health in a RateLimiter Durable Object (exact under concurrency), which
 * for a credential also answers whether it is live, and refuses with 429 before any other work: no
 * body is read and no D1 query runs for a refused request. Registered before the body limit and
 * the routes.
 *
 * The exception is an ingest without an Idempotency-Key whose key this isolate saw admitted in the
 * current window with room left: its round trip waits until its messages are packed and carries
 * them, and the key's object sends them if it admits the request (see logSenderOf). Until then
 * the route runs on the key as last admitted; a route that ends without sending (a 400, say) is
 * counted afterwards, and a refusal (401, 429) then replaces its answer, as it would have come first.
 */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const policy = await rateLimitPolicy(c);
  if (!policy) return next();
  const now = Date.now();
  const key = deferrable(c, policy, now);
  if (!key) {
    await enforce(c, policy, now);
    return next();
  }
  c.set('rememberedKey', { kind: 'apiKey', ...key });
  let counted = false;
  c.set('logSender', async (messages) => {
    counted = true;
    // A request of one message (most) rides; a larger one is admitted first and sends from here,
    // in parallel, rather than holding the key's object and its other requests.
    if (isOneMessage(messages)) return enforceRememberedKey(c, policy, Date.now(), messages);
    await enforceRememberedKey(c, policy, Date.now());
    await sendMessages(c.env.LOG_QUEUE, messages);
  });
  await next();
  if (!counted) await enforceRememberedKey(c, policy, Date.now());
};

/**
 * The key of an ingest whose admission may wait for its messages (see rateLimit), taking one of the
 * room this isolate remembers for it; undefined if it may not.
 */
function deferrable(c: Context<AppEnv>, policy: RateLimitPolicy, now: number) {
  const { group, payer } = policy;
  // An Idempotency-Key's claim writes D1, which only an admitted request may do.
  if (group !== INGEST || payer.kind !== 'apiKey' || c.req.header('Idempotency-Key') !== undefined) return undefined;
  return takeRememberedRoom(c.env, { keyId: payer.keyId, secret: payer.secret, bucket: group.name, now });
}

/** The queue messages' way out: with the request's admission when it waits for them, else straight to the queue. */
export const logSenderOf = (c: Context<AppEnv>): LogSender => c.get('logSender') ?? ((messages) => sendMessages(c.env.LOG_QUEUE, messages));

/**
 * enforce for a request that ran on a remembered key: a key its object refuses is 401 after all;
 * one it admits has its use recorded; and if the object did not answer (admitted uncounted), D1
 * says whether the key is live, as on the up-front path.
 */
async function enforceRememberedKey(c: Context<AppEnv>, policy: RateLimitPolicy, now: number, messages?: OutgoingMessage[][]) {
  await enforce(c, policy, now, messages);
  const vouched = c.get('vouched');
  if (vouched === 'ended') throw ApiError.of('invalidApiKey');
  if (vouched?.kind === 'apiKey') recordKeyUse(c, vouched.keyId);
  else if (policy.payer.kind === 'apiKey')
    recordKeyUse(c, (await authenticateApiKeyInD1(c.env, policy.payer.keyId, policy.payer.secret)).keyId);
}

/**
 * Counts an auth request against the email address it targets as well (login, magic link,
 * forgot-password), so that rotating client IPs buys neither password guesses against one account
 * nor mail to one inbox. Known and unknown addresses count alike. The response's X-RateLimit-*
 * headers then describe this, the tighter, limit.
 */
export const limitPerEmail = (c: Context<AppEnv>, email: string) =>
  enforce(c, groupPolicy(c, EMAIL, { kind: 'email', email: email.toLowerCase() }), Date.now());

/**
 * Takes one request from the policy's counter (and sends an admitted ingest's `messages`); sets the
 * X-RateLimit-* headers, and refuses with 429 over the limit.
 */
async function enforce(c: Context<AppEnv>, policy: RateLimitPolicy, now: number, messages?: OutgoingMessage[][]) {
  let decision: RateLimitDecision;
  try {
    decision = await admit(c, policy, now, messages);
  } catch (error) {
    // The key's next request asks its object first.
    if (policy.payer.kind === 'apiKey') forgetApiKeys(c.env, [policy.payer.keyId]);
    // The messages may have been sent: not admitted uncounted and sent again, but a 500 (the client
    // retries, as after a failed send).
    if (messages) throw error;
    log.error('rate_limiter_failed', {
      requestId: c.get('requestId'),
      message: 'rate limiter failed',
      group: policy.group.name,
      failClosed: policy.group.failClosed,
      error,
    });
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
