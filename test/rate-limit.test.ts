// Rate limiting (issue 6). The app is called with its real bindings but lower limits (the suite
// config sets 100000 so that other files are not throttled); every response is contract-checked.
// Routes other engineers are still building are only used for answers decided before them (429,
// the fail-closed 500, the body limit's 400); admitted requests are counted on /openapi.json,
// /docs and unknown paths.
import { listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app';
import { issueAccessToken } from '../src/lib/access-token';
import { hmacHex, randomAlphanumerics } from '../src/lib/crypto';
import { rateLimitPolicy } from '../src/middleware/rate-limit';
import { WINDOW_MS, windowOf } from '../src/rate-limit/window';
import type { AppEnv } from '../src/types';
import { storedEntries } from './logs.support';
import { assertMatchesContract } from './support/contract';
import { type ApiResponse, api, expectError, ORIGIN } from './support/http';
import { addMember, type CreatedApiKey, createApiKey, createTenant, type Tenant } from './support/tenancy';
import { latestMailedToken, signUp } from './support/users';

// Minute-aligned and far in the future: the objects' idle alarms run on the real clock, so a
// window in the future never gets cleaned up in the middle of a test.
const WINDOW_START = Date.UTC(2099, 0, 1, 12, 0, 0);
const MID_WINDOW = WINDOW_START + 30_000;
const resetOf = (windowStart: number) => String((windowStart + WINDOW_MS) / 1000);

let ipCount = 0;
/** A client IP in a /64 no other test uses, so buckets never leak between tests. */
const freshIp = () => `2001:db8:${(++ipCount).toString(16)}::1`;

type Send = {
  env?: Partial<Record<keyof Env, unknown>>;
  /**
   * The bindings as they are, in place of env: requests that share them share what the isolate
   * remembers of their objects' answers, as one isolate's requests do (see src/rate-limit/admitted-keys.ts).
   */
  isolate?: Env;
  headers?: Record<string, string>;
  ip?: string;
  body?: BodyInit;
};

/** Like test/support/http's request, but through createApp().fetch with an adjusted env; keeps the Request to inspect. */
async function send(method: string, path: string, options: Send = {}): Promise<ApiResponse & { request: Request }> {
  const headers = new Headers(options.headers);
  if (options.ip) headers.set('CF-Connecting-IP', options.ip);
  const request = new Request(`${ORIGIN}${path}`, { method, headers, body: options.body });
  const res = await createApp().fetch(request, options.isolate ?? ({ ...env, ...options.env } as Env));
  const text = await res.text();
  const body = res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text;
  assertMatchesContract(method, request.url, res.status, res.headers, body);
  return { status: res.status, headers: res.headers, body, text, request };
}

const limits = (auth: number, api: number, ingest = 100_000) => ({
  RATE_LIMIT_AUTH_PER_MINUTE: String(auth),
  RATE_LIMIT_API_PER_MINUTE: String(api),
  RATE_LIMIT_INGEST_PER_MINUTE: String(ingest),
});

const rateHeaders = (res: ApiResponse) => ({
  limit: res.headers.get('x-ratelimit-limit'),
  remaining: res.headers.get('x-ratelimit-remaining'),
  reset: res.headers.get('x-ratelimit-reset'),
});

function expectRateLimited(res: ApiResponse, limit?: number, retryAfter?: number) {
  expectError(res, 429, 'RATE_LIMITED', 'Rate limit exceeded');
  expect(rateHeaders(res)).toMatchObject({ remaining: '0', ...(limit === undefined ? {} : { limit: String(limit) }) });
  if (retryAfter !== undefined) expect(res.headers.get('retry-after')).toBe(String(retryAfter));
}

/** Bindings of their own, as another isolate has them: with `overrides`, and nothing remembered yet. */
const isolateEnv = (overrides: Partial<Record<keyof Env, unknown>> = {}) => ({ ...env, ...overrides }) as Env;

/** A DB binding that records (and fails) any use: proves a request did no D1 work. */
function watchedDb() {
  const uses: string[] = [];
  const db = new Proxy(
    {},
    {
      get(_, property) {
        uses.push(String(property));
        throw new Error(`D1 used: ${String(property)}`);
      },
    },
  );
  return { db, uses };
}

const userToken = (sub: string) => issueAccessToken(env, { sub, sid: 'ses_ratelimit', sat: Date.now() });

// Real keys (made before the clock is moved): only keys the Worker minted are counted as keys.
let tenant: Tenant;
let otherKey: CreatedApiKey;
let revokedKey: CreatedApiKey;
beforeAll(async () => {
  tenant = await createTenant();
  otherKey = await createApiKey(tenant.owner.accessToken, tenant.workspace.id, tenant.project.id);
  revokedKey = await createApiKey(tenant.owner.accessToken, tenant.workspace.id, tenant.project.id);
  const keyPath = `/v1/workspaces/${tenant.workspace.id}/projects/${tenant.project.id}/api-keys/${revokedKey.id}`;
  expect((await api.delete(keyPath, { token: tenant.owner.accessToken })).status).toBe(200);
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(MID_WINDOW);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('counting', () => {
  it('admits exactly the limit when twice as many requests arrive at once', async () => {
    const ip = freshIp();
    const responses = await Promise.all(Array.from({ length: 50 }, () => send('GET', '/openapi.json', { ip, env: limits(5, 25) })));
    const admitted = responses.filter((res) => res.status === 200);
    const refused = responses.filter((res) => res.status === 429);
    expect(admitted).toHaveLength(25);
    expect(refused).toHaveLength(25);
    // Each admitted request saw its own count: remaining 24, 23, … 0, each exactly once.
    const remaining = admitted.map((res) => Number(res.headers.get('x-ratelimit-remaining'))).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 25 }, (_, i) => i));
    for (const res of refused) expectRateLimited(res, 25, 30);
  });

  it('resets when the injected clock reaches the next window, not before', async () => {
    const ip = freshIp();
    const get = () => send('GET', '/docs', { ip, env: limits(5, 3) });
    for (const remaining of ['2', '1', '0']) {
      const res = await get();
      expect(res.status).toBe(200);
      expect(rateHeaders(res)).toEqual({ limit: '3', remaining, reset: resetOf(WINDOW_START) });
    }
    const refused = await get();
    expectRateLimited(refused, 3, 30);
    expect(refused.headers.get('x-ratelimit-reset')).toBe(resetOf(WINDOW_START));

    vi.setSystemTime(WINDOW_START + WINDOW_MS - 1);
    expectRateLimited(await get(), 3, 1);

    vi.setSystemTime(WINDOW_START + WINDOW_MS);
    const next = await get();
    expect(next.status).toBe(200);
    expect(rateHeaders(next)).toEqual({ limit: '3', remaining: '2', reset: resetOf(WINDOW_START + WINDOW_MS) });
  });

  it('uses the configured default when a limit variable is unset or not a whole number', async () => {
    const res = await send('GET', '/openapi.json', { ip: freshIp(), env: { RATE_LIMIT_API_PER_MINUTE: 'lots' } });
    expect(rateHeaders(res)).toMatchObject({ limit: '600', remaining: '599' });
  });
});

describe('keys', () => {
  it('counts each client IP separately and never believes X-Forwarded-For', async () => {
    const [ip, otherIp] = [freshIp(), freshIp()];
    const env = limits(5, 1);
    expect((await send('GET', '/openapi.json', { ip, env })).status).toBe(200);
    expectRateLimited(await send('GET', '/openapi.json', { ip, env }));
    expectRateLimited(await send('GET', '/openapi.json', { ip, env, headers: { 'X-Forwarded-For': otherIp } }));
    expect((await send('GET', '/openapi.json', { ip: otherIp, env })).status).toBe(200);
  });

  it('counts each user separately, wherever they call from', async () => {
    const [alice, bob] = [await userToken('usr_ratelimit_alice'), await userToken('usr_ratelimit_bob')];
    const env = limits(5, 2);
    const asAlice = (ip: string) => send('GET', '/openapi.json', { ip, env, headers: { Authorization: `Bearer ${alice}` } });
    expect((await asAlice(freshIp())).status).toBe(200);
    expect((await asAlice(freshIp())).status).toBe(200);
    expectRateLimited(await asAlice(freshIp()));
    const asBob = await send('GET', '/openapi.json', { ip: freshIp(), env, headers: { Authorization: `Bearer ${bob}` } });
    expect(rateHeaders(asBob)).toMatchObject({ limit: '2', remaining: '1' });
  });

  it('counts each live API key separately, whichever header carries it', async () => {
    const env = limits(5, 2);
    const ip = freshIp();
    expect((await send('GET', '/openapi.json', { ip, env, headers: { 'X-API-Key': tenant.key.secret } })).status).toBe(200);
    expect((await send('GET', '/openapi.json', { ip, env, headers: { Authorization: `Bearer ${tenant.key.secret}` } })).status).toBe(200);
    expectRateLimited(await send('GET', '/openapi.json', { ip, env, headers: { 'X-API-Key': tenant.key.secret } }));
    const other = await send('GET', '/openapi.json', { ip, env, headers: { 'X-API-Key': otherKey.secret } });
    expect(rateHeaders(other)).toMatchObject({ limit: '2', remaining: '1' });
    // Neither key used the IP's own bucket.
    expect(rateHeaders(await send('GET', '/openapi.json', { ip, env }))).toMatchObject({ remaining: '1' });
  });

  it('counts a token that does not verify against the client IP', async () => {
    const env = limits(5, 2);
    const ip = freshIp();
    expect((await send('GET', '/openapi.json', { ip, env, headers: { Authorization: 'Bearer not.a.jwt' } })).status).toBe(200);
    expect((await send('GET', '/openapi.json', { ip, env })).status).toBe(200);
    expectRateLimited(await send('GET', '/openapi.json', { ip, env, headers: { Authorization: 'Bearer not.a.jwt' } }));
  });

  it('limits /v1/auth/* per IP under its own limit, whoever is signed in', async () => {
    const env = limits(2, 100);
    const ip = freshIp();
    const token = await userToken('usr_ratelimit_carol');
    const first = await send('GET', '/v1/auth/rate-limit-probe', { ip, env });
    expectError(first, 404, 'NOT_FOUND');
    expect(rateHeaders(first)).toEqual({ limit: '2', remaining: '1', reset: resetOf(WINDOW_START) });
    expect(
      rateHeaders(await send('GET', '/v1/auth/rate-limit-probe', { ip, env, headers: { Authorization: `Bearer ${token}` } })),
    ).toMatchObject({ remaining: '0' });
    expectRateLimited(await send('POST', '/v1/auth/login', { ip, env, headers: { Authorization: `Bearer ${token}` } }), 2, 30);
    // The same IP still has its API budget, and another IP its own auth budget.
    expect(rateHeaders(await send('GET', '/openapi.json', { ip, env }))).toMatchObject({ limit: '100', remaining: '99' });
    expect(rateHeaders(await send('GET', '/v1/auth/rate-limit-probe', { ip: freshIp(), env }))).toMatchObject({
      limit: '2',
      remaining: '1',
    });
  });

  describe('policy', () => {
    // The keying rules straight from the middleware's own function (no response to check here).
    const policyFor = async (method: string, path: string, headers: Record<string, string>, overrides: Partial<Env> = {}) => {
      const probe = new Hono<AppEnv>().all('*', async (c) => {
        const policy = await rateLimitPolicy(c);
        if (!policy) return c.json(null);
        const { payer } = policy;
        const name =
          payer.kind === 'apiKey'
            ? `key:${payer.keyId}`
            : payer.kind === 'user'
              ? `user:${payer.claims.sub}`
              : payer.kind === 'address'
                ? `ip:${payer.address}`
                : `email:${payer.email}`;
        return c.json({ key: `${policy.group.name}:${name}`, limit: policy.limit, failClosed: policy.group.failClosed });
      });
      const res = await probe.fetch(new Request(`${ORIGIN}${path}`, { method, headers: { 'CF-Connecting-IP': '192.0.2.7', ...headers } }), {
        ...env,
        ...overrides,
      });
      return (await res.json()) as { key: string; limit: number; failClosed: boolean } | null;
    };
    const defaults = { RATE_LIMIT_AUTH_PER_MINUTE: '', RATE_LIMIT_API_PER_MINUTE: '', RATE_LIMIT_INGEST_PER_MINUTE: '' };

    it('exempts health only', async () => {
      expect(await policyFor('GET', '/v1/health', {})).toBeNull();
      expect(await policyFor('GET', '/v1/healthz', {})).toMatchObject({ key: 'api:ip:192.0.2.7' });
    });

    it('keys ingest by API key under the ingest limit, and other callers of POST /v1/logs under the API limit', async () => {
      const { id, secret } = tenant.key;
      const token = await userToken('usr_ratelimit_dave');
      expect(await policyFor('POST', '/v1/logs', { 'X-API-Key': secret }, defaults)).toEqual({
        key: `ingest:key:${id}`,
        limit: 6000,
        failClosed: false,
      });
      expect(await policyFor('POST', '/v1/logs', { Authorization: `Bearer ${secret}` }, defaults)).toMatchObject({
        key: `ingest:key:${id}`,
      });
      expect(await policyFor('GET', '/v1/logs', { 'X-API-Key': secret }, defaults)).toEqual({
        key: `api:key:${id}`,
        limit: 600,
        failClosed: false,
      });
      expect(await policyFor('POST', '/v1/logs', { Authorization: `Bearer ${token}` }, defaults)).toEqual({
        key: 'api:user:usr_ratelimit_dave',
        limit: 600,
        failClosed: false,
      });
      expect(await policyFor('POST', '/v1/logs', {}, defaults)).toEqual({ key: 'api:ip:192.0.2.7', limit: 600, failClosed: false });
    });

    it('keys anything the Worker cannot verify alone by the client address, IPv6 by its /64', async () => {
      const forged = `${tenant.key.secret.slice(0, -1)}${tenant.key.secret.endsWith('0') ? '1' : '0'}`;
      for (const secret of ['sk_ingest', `sk_${'x'.repeat(32)}`, forged]) {
        expect(await policyFor('POST', '/v1/logs', { 'X-API-Key': secret }, defaults)).toEqual({
          key: 'api:ip:192.0.2.7',
          limit: 600,
          failClosed: false,
        });
      }
      expect(
        await policyFor(
          'GET',
          '/v1/workspaces',
          { Authorization: 'Bearer not.a.jwt', 'CF-Connecting-IP': '2001:db8:1:2:aaaa:bbbb:cccc:dddd' },
          defaults,
        ),
      ).toMatchObject({
        key: 'api:ip:2001:db8:1:2::/64',
      });
      expect(await policyFor('GET', '/v1/workspaces', { 'CF-Connecting-IP': '::ffff:192.0.2.9' }, defaults)).toMatchObject({
        key: 'api:ip:192.0.2.9',
      });
      expect(await policyFor('GET', '/v1/workspaces', { 'CF-Connecting-IP': 'not an address' }, defaults)).toMatchObject({
        key: 'api:ip:unknown',
      });
    });

    it('keys auth by IP with the auth default, failing closed', async () => {
      expect(await policyFor('POST', '/v1/auth/login', { 'X-API-Key': 'sk_x', 'X-Forwarded-For': '198.51.100.1' }, defaults)).toEqual({
        key: 'auth:ip:192.0.2.7',
        limit: 10,
        failClosed: true,
      });
    });
  });
});

describe('headers', () => {
  it('are on successes, on 429 with Retry-After, and on unknown routes', async () => {
    const ip = freshIp();
    const env = limits(5, 1);
    const ok = await send('GET', '/openapi.json', { ip, env });
    expect(ok.status).toBe(200);
    expect(rateHeaders(ok)).toEqual({ limit: '1', remaining: '0', reset: resetOf(WINDOW_START) });
    expect(ok.headers.get('retry-after')).toBeNull();
    const refused = await send('GET', '/openapi.json', { ip, env });
    expectRateLimited(refused, 1, 30);
    expect(refused.headers.get('x-ratelimit-reset')).toBe(resetOf(WINDOW_START));
    const unknown = await send('GET', '/v1/nope', { ip: freshIp(), env });
    expect(rateHeaders(unknown)).toMatchObject({ limit: '1', remaining: '0' });
  });

  it('survive an ApiError thrown later in the chain (the body limit on an auth route)', async () => {
    const res = await send('POST', '/v1/auth/login', {
      ip: freshIp(),
      env: limits(5, 100),
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'x'.repeat(70 * 1024) }),
    });
    expectError(res, 400, 'VALIDATION_ERROR', 'Request body too large');
    expect(rateHeaders(res)).toEqual({ limit: '5', remaining: '4', reset: resetOf(WINDOW_START) });
  });

  it('survive an unexpected error that becomes a 500', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const brokenAssets = { fetch: () => Promise.reject(new Error('assets unavailable')) };
    const res = await send('GET', '/openapi.json', { ip: freshIp(), env: { ...limits(5, 7), ASSETS: brokenAssets } });
    expectError(res, 500, 'INTERNAL_ERROR', 'Internal server error');
    expect(rateHeaders(res)).toEqual({ limit: '7', remaining: '6', reset: resetOf(WINDOW_START) });
  });

  it('are absent from health, which is never counted', async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i++) {
      const res = await send('GET', '/v1/health', { ip, env: limits(0, 0, 0) });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    }
  });
});

describe('a refused request does no work', () => {
  it('reads no body and runs no D1 query', async () => {
    const ip = freshIp();
    const env = limits(1, 100);
    await send('GET', '/v1/auth/rate-limit-probe', { ip, env });
    const { db, uses } = watchedDb();
    const res = await send('POST', '/v1/auth/login', {
      ip,
      env: { ...env, DB: db },
      headers: { 'Content-Type': 'application/json' },
      body: '{"email": "malformed',
    });
    expectRateLimited(res, 1, 30); // not 400: nothing parsed the body
    expect(res.request.bodyUsed).toBe(false);
    expect(uses).toEqual([]);
  });

  it('refuses ingest before the API key is looked up', async () => {
    const { db, uses } = watchedDb();
    const res = await send('POST', '/v1/logs', {
      ip: freshIp(),
      env: { ...limits(5, 100, 0), DB: db },
      headers: { 'X-API-Key': tenant.key.secret, 'Content-Type': 'application/json' },
      body: JSON.stringify({ level: 'info', message: 'hello' }),
    });
    expectRateLimited(res, 0, 30);
    expect(res.request.bodyUsed).toBe(false);
    expect(uses).toEqual([]);
  });

  it('(the watched DB does notice a route that uses D1)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { db, uses } = watchedDb();
    const res = await send('GET', '/v1/dev/outbox?to=someone%40example.com', { ip: freshIp(), env: { ...limits(5, 100), DB: db } });
    expectError(res, 500, 'INTERNAL_ERROR');
    expect(uses.length).toBeGreaterThan(0);
  });
});

describe('when the limiter itself fails', () => {
  // get() answers a stub whose RPC rejects, as an unreachable or overloaded object would.
  const brokenLimiter = {
    idFromName: (name: string) => ({ name }),
    get: () => ({ take: () => Promise.reject(new Error('Durable Object unreachable')) }),
  };
  const env = { ...limits(5, 100, 1000), RATE_LIMITER: brokenLimiter };

  it('refuses /v1/auth/* with a generic 500 (fail closed), before any work, and logs it', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { db, uses } = watchedDb();
    const res = await send('POST', '/v1/auth/login', {
      ip: freshIp(),
      env: { ...env, DB: db },
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'a@example.com', password: 'correct horse' }),
    });
    expectError(res, 500, 'INTERNAL_ERROR', 'Internal server error');
    expect(res.text).not.toMatch(/unreachable/);
    expect(res.request.bodyUsed).toBe(false);
    expect(uses).toEqual([]);
    expect(String(log.mock.calls[0]?.[0])).toMatch(/rate limiter failed.*"failClosed":true/);
  });

  it('admits ingest uncounted (fail open) but asks D1 whether the key is live: a revoked key stays refused', async () => {
    vi.useRealTimers(); // entries stamped in 2099 are no use to the queue consumer
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const ingest = (secret: string) =>
      send('POST', '/v1/logs', {
        ip: freshIp(),
        env,
        headers: { 'X-API-Key': secret, 'Content-Type': 'application/json' },
        body: JSON.stringify({ level: 'info', message: 'hello' }),
      });
    const admitted = await ingest(tenant.key.secret);
    expect(admitted.status).toBe(202);
    expect(rateHeaders(admitted)).toMatchObject({ limit: '1000', remaining: '1000' });
    expect(String(log.mock.calls[0]?.[0])).toMatch(/rate limiter failed.*"failClosed":false/);
    expectError(await ingest(revokedKey.secret), 401, 'UNAUTHORIZED', 'Invalid or revoked API key');
  });

  it('admits other API routes (fail open), with headers for an uncounted window, and logs it', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await send('GET', '/openapi.json', { ip: freshIp(), env });
    expect(res.status).toBe(200);
    expect(rateHeaders(res)).toEqual({ limit: '100', remaining: '100', reset: resetOf(WINDOW_START) });
    expect(String(log.mock.calls[0]?.[0])).toMatch(/rate limiter failed.*"failClosed":false/);
  });
});

describe('the RateLimiter object', () => {
  const limiterFor = (name: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));
  const storedWindows = (stub: ReturnType<typeof limiterFor>) =>
    runInDurableObject(stub, (_, state) => {
      const tables = state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'counters'").toArray();
      return tables.length === 0
        ? null
        : state.storage.sql.exec<{ start: number; count: number }>('SELECT start, count FROM counters ORDER BY start').toArray();
    });

  it('counts by the time it is given and drops older windows when a new one starts', async () => {
    const stub = limiterFor('test:roll');
    expect(await stub.take(2, WINDOW_START + 1)).toEqual({
      allowed: true,
      limit: 2,
      remaining: 1,
      reset: (WINDOW_START + WINDOW_MS) / 1000,
    });
    expect(await stub.take(2, WINDOW_START + 59_999)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await stub.take(2, WINDOW_START + 59_999)).toMatchObject({ allowed: false, remaining: 0 });
    expect(await storedWindows(stub)).toEqual([{ start: WINDOW_START, count: 2 }]);
    expect(await stub.take(2, WINDOW_START + WINDOW_MS)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await storedWindows(stub)).toEqual([{ start: WINDOW_START + WINDOW_MS, count: 1 }]);
  });

  it('counts large limits in memory with 1% reserved ahead in SQLite, which a restarted object takes as used', async () => {
    const stub = limiterFor('test:reserve');
    // Limit 1000: each write reserves 10 admissions, so 11 admissions write twice.
    expect(await stub.take(1000, WINDOW_START)).toMatchObject({ allowed: true, remaining: 999 });
    expect(await storedWindows(stub)).toEqual([{ start: WINDOW_START, count: 10 }]);
    for (let i = 0; i < 9; i++) await stub.take(1000, WINDOW_START);
    expect(await storedWindows(stub)).toEqual([{ start: WINDOW_START, count: 10 }]);
    expect(await stub.take(1000, WINDOW_START)).toMatchObject({ allowed: true, remaining: 989 });
    expect(await storedWindows(stub)).toEqual([{ start: WINDOW_START, count: 20 }]);

    // What a crashed object left behind: 20 reserved, fewer used. A new object never admits more than the limit.
    const restarted = limiterFor('test:reserve-restarted');
    await runInDurableObject(restarted, (_, state) => {
      state.storage.sql.exec(
        'CREATE TABLE counters (bucket TEXT NOT NULL, start INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (bucket, start))',
      );
      state.storage.sql.exec('INSERT INTO counters VALUES (?, ?, ?)', 'requests', WINDOW_START, 20);
    });
    expect(await restarted.take(21, WINDOW_START)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await restarted.take(21, WINDOW_START)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('frees its storage once a whole window passes without requests, and starts afresh after', async () => {
    const stub = limiterFor('test:idle');
    await stub.take(5, WINDOW_START);
    // Idle alarm: the end of the window after the last one used.
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBe(WINDOW_START + 2 * WINDOW_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await storedWindows(stub)).toBeNull();
    expect(await stub.take(5, WINDOW_START + 2 * WINDOW_MS)).toMatchObject({ allowed: true, remaining: 4 });
  });
});

// ---------------------------------------------------------------------------------------------
// One round trip per request (issue 14) and credentials nobody verified (issue 15, item 1)
// ---------------------------------------------------------------------------------------------

/** The env with every durable binding wrapped so that each round trip is recorded, in order. */
function countedEnv(overrides: Partial<Record<keyof Env, unknown>>) {
  const trips: string[] = [];
  const record = <T extends object>(name: string, target: T, describe: (method: string) => string = (method) => `${name}.${method}`): T =>
    new Proxy(target, {
      get(object, property) {
        const value = Reflect.get(object, property);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const result = value.apply(object, args);
          if (['first', 'all', 'run', 'raw', 'batch', 'send', 'sendBatch'].includes(String(property)))
            trips.push(describe(String(property)));
          // A D1 statement keeps being recorded through bind().
          return property === 'prepare' || property === 'bind'
            ? record(name, result, (method) => `D1.${method} ${String(args[0] ?? '').slice(0, 40)}`)
            : result;
        };
      },
    });
  const limiter = {
    idFromName: (name: string) => env.RATE_LIMITER.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = env.RATE_LIMITER.get(id);
      const trip =
        <A extends unknown[], R>(method: string, call: (...args: A) => R) =>
        (...args: A) => (trips.push(`DO.${method}`), call(...args));
      return {
        take: trip('take', stub.take),
        admitApiKey: trip('admitApiKey', stub.admitApiKey),
        admitApiKeyAndSend: trip('admitApiKeyAndSend', stub.admitApiKeyAndSend),
        revokeApiKey: trip('revokeApiKey', stub.revokeApiKey),
        admitSession: trip('admitSession', stub.admitSession),
      };
    },
  };
  return {
    trips,
    env: { ...env, ...overrides, RATE_LIMITER: limiter, DB: record('D1', env.DB), LOG_QUEUE: record('queue', env.LOG_QUEUE) } as Env,
  };
}

/** The bucket name of a client IP from freshIp(). */
const addressObjectOf = (ip: string) => env.RATE_LIMITER.idFromName(`ip:${ip.replace(/::1$/, '::/64')}`).toString();

const entry = JSON.stringify({ level: 'info', message: 'hello' });
const asJson = { 'Content-Type': 'application/json' };

describe('credentials nobody verified (issue 15, item 1, replayed)', () => {
  it('fresh random sk_ keys on every request share the client address’s budget, create no Durable Object and touch no D1', async () => {
    const ip = freshIp();
    const { db, uses } = watchedDb();
    const before = new Set((await listDurableObjectIds(env.RATE_LIMITER)).map((id) => id.toString()));
    const hex = (length: number) =>
      Array.from(crypto.getRandomValues(new Uint8Array(length / 2)), (b) => b.toString(16).padStart(2, '0')).join('');
    const randomKeys = [
      () => `sk_${randomAlphanumerics(32)}`, // the 1.x shape
      () => `sk_${randomAlphanumerics(24)}_${randomAlphanumerics(32)}_${hex(24)}`, // today's shape, a tag that is not ours
      () => `sk_${randomAlphanumerics(300)}`,
    ];
    const attacks = [
      { method: 'GET', path: '/v1/logs?projectId=prj_anything', message: 'Invalid or revoked API key' },
      { method: 'GET', path: '/v1/workspaces', message: 'Invalid token' },
      { method: 'POST', path: '/v1/logs', message: 'Invalid or revoked API key', body: entry },
    ];
    let remaining = 600;
    for (const attack of attacks) {
      for (const randomKey of randomKeys) {
        const res = await send(attack.method, attack.path, {
          ip,
          env: { ...limits(5, 600, 6000), DB: db },
          headers: { 'X-API-Key': randomKey(), ...asJson },
          body: attack.body,
        });
        expectError(res, 401, 'UNAUTHORIZED', attack.message);
        // One budget, the address's, under the API limit: 599, 598, … (never a fresh 599 or 5999).
        expect(rateHeaders(res)).toMatchObject({ limit: '600', remaining: String(--remaining) });
      }
    }
    expect(uses).toEqual([]);
    const created = (await listDurableObjectIds(env.RATE_LIMITER)).map((id) => id.toString()).filter((id) => !before.has(id));
    expect(created).toEqual([addressObjectOf(ip)]);
  });

  it('a well-formed key the database does not know (a tag made with the Worker’s secret) is refused and pays as the address', async () => {
    const ip = freshIp();
    const untagged = `sk_${randomAlphanumerics(24)}_${randomAlphanumerics(32)}`;
    const unknown = `${untagged}_${(await hmacHex(env.JWT_SECRET, `loglane api key\n${untagged}`)).slice(0, 24)}`;
    for (const remaining of ['6', '5']) {
      const res = await send('POST', '/v1/logs', { ip, env: limits(5, 7, 100), headers: { 'X-API-Key': unknown, ...asJson }, body: entry });
      expectError(res, 401, 'UNAUTHORIZED', 'Invalid or revoked API key');
      expect(rateHeaders(res)).toMatchObject({ limit: '7', remaining });
    }
  });

  it('an access token that does not verify pays as the address too, IPv6 by its /64', async () => {
    const env = limits(5, 2);
    const [first, neighbour] = ['2001:db8:ffff:1:1:2:3:4', '2001:db8:ffff:1:ffff::9'];
    expectError(
      await send('GET', '/v1/workspaces', { ip: first, env, headers: { Authorization: 'Bearer not.a.jwt' } }),
      401,
      'UNAUTHORIZED',
      'Invalid token',
    );
    expectError(
      await send('GET', '/v1/workspaces', { ip: neighbour, env, headers: { Authorization: 'Bearer not.a.jwt' } }),
      401,
      'UNAUTHORIZED',
      'Invalid token',
    );
    expectRateLimited(await send('GET', '/v1/workspaces', { ip: neighbour, env }));
    expect((await send('GET', '/openapi.json', { ip: '2001:db8:ffff:2::1', env })).status).toBe(200);
  });
});

describe('liveness in the same round trip', () => {
  // Real time: these tests sign in and revoke through the API, whose tokens carry the real clock.
  beforeEach(() => vi.useRealTimers());

  it('a revoked key is refused on the very next request, and from then on pays as the address', async () => {
    const t = await createTenant();
    const ip = freshIp();
    const ingest = () =>
      send('POST', '/v1/logs', { ip, env: limits(5, 9, 100), headers: { 'X-API-Key': t.key.secret, ...asJson }, body: entry });
    expect((await ingest()).status).toBe(202);
    const revoked = await send('DELETE', `/v1/workspaces/${t.workspace.id}/projects/${t.project.id}/api-keys/${t.key.id}`, {
      ip: freshIp(),
      headers: { Authorization: `Bearer ${t.owner.accessToken}` },
    });
    expect(revoked.status).toBe(200);
    const refused = await ingest();
    expectError(refused, 401, 'UNAUTHORIZED', 'Invalid or revoked API key');
    expect(rateHeaders(refused)).toMatchObject({ limit: '9', remaining: '8' });
  });

  it('deleting the project refuses its keys at once, though their objects knew them live', async () => {
    const t = await createTenant();
    const ingest = () => send('POST', '/v1/logs', { ip: freshIp(), headers: { 'X-API-Key': t.key.secret, ...asJson }, body: entry });
    expect((await ingest()).status).toBe(202);
    expect(
      (
        await send('DELETE', `/v1/workspaces/${t.workspace.id}/projects/${t.project.id}`, {
          ip: freshIp(),
          headers: { Authorization: `Bearer ${t.owner.accessToken}` },
        })
      ).status,
    ).toBe(200);
    expectError(await ingest(), 401, 'UNAUTHORIZED', 'Invalid or revoked API key');
  });

  it('a password reset ends every earlier session at once; signing in afterwards works', async () => {
    const user = await signUp();
    const me = (token: string) => send('GET', '/v1/me', { ip: freshIp(), headers: { Authorization: `Bearer ${token}` } });
    expect((await me(user.accessToken)).status).toBe(200);
    await send('POST', '/v1/auth/forgot-password', { ip: freshIp(), headers: asJson, body: JSON.stringify({ email: user.email }) });
    const reset = await send('POST', '/v1/auth/reset-password', {
      ip: freshIp(),
      headers: asJson,
      body: JSON.stringify({ token: await latestMailedToken(user.email), password: 'a new password 1' }),
    });
    expect(reset.status).toBe(200);
    expectError(await me(user.accessToken), 401, 'UNAUTHORIZED', 'Invalid token');
    const login = await send('POST', '/v1/auth/login', {
      ip: freshIp(),
      headers: asJson,
      body: JSON.stringify({ email: user.email, password: 'a new password 1' }),
    });
    expect((await me(login.body.data.accessToken)).status).toBe(200);
  });

  it('a replayed refresh token ends its session’s access tokens at once, even when the object knew the session live', async () => {
    const user = await signUp();
    const me = (token: string) => send('GET', '/v1/me', { ip: freshIp(), headers: { Authorization: `Bearer ${token}` } });
    const refresh = (refreshToken: string) =>
      send('POST', '/v1/auth/refresh', { ip: freshIp(), headers: asJson, body: JSON.stringify({ refreshToken }) });
    const rotated = await refresh(user.refreshToken);
    expect((await me(rotated.body.data.accessToken)).status).toBe(200);
    expectError(await refresh(user.refreshToken), 401, 'UNAUTHORIZED', 'Invalid token');
    expectError(await me(rotated.body.data.accessToken), 401, 'UNAUTHORIZED', 'Invalid token');
    expectError(await me(user.accessToken), 401, 'UNAUTHORIZED', 'Invalid token');
  });

  it('admits exactly the limit of twice as many requests at once, for a key and for a user', async () => {
    const t = await createTenant();
    const ingests = await Promise.all(
      Array.from({ length: 20 }, () =>
        send('POST', '/v1/logs', {
          ip: freshIp(),
          env: limits(5, 100, 10),
          headers: { 'X-API-Key': t.key.secret, ...asJson },
          body: entry,
        }),
      ),
    );
    expect(ingests.filter((res) => res.status === 202)).toHaveLength(10);
    expect(ingests.filter((res) => res.status === 429)).toHaveLength(10);
    // A user who has made no API request yet this minute (signing up counts against the address).
    const reader = await signUp();
    const reads = await Promise.all(
      Array.from({ length: 20 }, () =>
        send('GET', '/v1/workspaces', { ip: freshIp(), env: limits(5, 10), headers: { Authorization: `Bearer ${reader.accessToken}` } }),
      ),
    );
    expect(reads.filter((res) => res.status === 200)).toHaveLength(10);
    expect(reads.filter((res) => res.status === 429)).toHaveLength(10);
  });

  it('an ingest costs one Durable Object round trip, which sends; a user request one round trip and its own D1 work', async () => {
    const t = await createTenant();
    const keyHeaders = { 'X-API-Key': t.key.secret, ...asJson };
    // The key's first use loads it into its object and records last use; what follows is the steady
    // state. An isolate asks the key's object first, then sends; once it has seen the key admitted,
    // its ingests hand their messages to the object, which sends them in the same round trip.
    expect((await send('POST', '/v1/logs', { ip: freshIp(), headers: keyHeaders, body: entry })).status).toBe(202);
    const ingest = countedEnv({});
    expect((await send('POST', '/v1/logs', { ip: freshIp(), isolate: ingest.env, headers: keyHeaders, body: entry })).status).toBe(202);
    expect(ingest.trips).toEqual(['DO.admitApiKey', 'queue.send']);
    ingest.trips.length = 0;
    expect((await send('POST', '/v1/logs', { ip: freshIp(), isolate: ingest.env, headers: keyHeaders, body: entry })).status).toBe(202);
    expect(ingest.trips).toEqual(['DO.admitApiKeyAndSend']);

    const asOwner = { Authorization: `Bearer ${t.owner.accessToken}` };
    const read = countedEnv({});
    expect((await send('GET', '/v1/workspaces', { ip: freshIp(), env: read.env, headers: asOwner })).status).toBe(200);
    expect(read.trips).toEqual(['DO.admitSession', expect.stringMatching(/^D1\.all /)]);

    // Under a workspace the membership check rides in the route's own first D1 round trip.
    const projectsPath = `/v1/workspaces/${t.workspace.id}/projects`;
    const scopedRead = countedEnv({});
    expect((await send('GET', projectsPath, { ip: freshIp(), env: scopedRead.env, headers: asOwner })).status).toBe(200);
    expect(scopedRead.trips).toEqual(['DO.admitSession', 'D1.batch']);
    const write = countedEnv({});
    const created = await send('POST', projectsPath, {
      ip: freshIp(),
      env: write.env,
      headers: { ...asOwner, ...asJson },
      body: JSON.stringify({ name: 'Hops', slug: 'hops' }),
    });
    expect(created.status).toBe(201);
    expect(write.trips).toEqual(['DO.admitSession', 'D1.batch']);
  });

  it('a write refused by the folded membership check takes no effect: 404 to outsiders, 403 to members below the role', async () => {
    const t = await createTenant();
    const member = await signUp();
    await addMember(t.owner.accessToken, t.workspace.id, member, 'member');
    const outsider = await signUp();
    const projectsPath = `/v1/workspaces/${t.workspace.id}/projects`;
    const create = (token: string, slug: string) =>
      send('POST', projectsPath, {
        ip: freshIp(),
        headers: { Authorization: `Bearer ${token}`, ...asJson },
        body: JSON.stringify({ name: 'Nope', slug }),
      });
    expectError(await create(member.accessToken, 'by-member'), 403, 'FORBIDDEN', 'Insufficient role');
    expectError(await create(outsider.accessToken, 'by-outsider'), 404, 'NOT_FOUND');
    const stored = await env.DB.prepare(
      "SELECT count(*) AS n FROM projects WHERE workspace_id = ? AND slug IN ('by-member', 'by-outsider')",
    )
      .bind(t.workspace.id)
      .first<{ n: number }>();
    expect(stored?.n).toBe(0);
  });
});

describe('an ingest’s send rides in its admission (issue 14)', () => {
  // A frozen clock a few seconds into the next window: no test here runs across a window's end, and
  // the entries' times are ones the queue consumer takes.
  beforeEach(() => {
    vi.useRealTimers();
    const nextWindow = windowOf(Date.now()).end + 5_000;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(nextWindow);
  });

  const ingestTo = (isolate: Env, secret: string, body: string = entry) =>
    send('POST', '/v1/logs', { ip: freshIp(), isolate, headers: { 'X-API-Key': secret, ...asJson }, body });
  const logLine = (message: string) => JSON.stringify({ level: 'info', message });
  const storedMessages = async (projectId: string) => (await storedEntries(projectId)).map((stored) => stored.message).sort();
  /** Local Queues deliver within a second or so (max_batch_timeout 1 s): long enough for anything sent to be stored. */
  const afterDelivery = () => new Promise((resolve) => setTimeout(resolve, 3_000));

  it('admits exactly the limit of twice as many requests at once, each admitted entry stored once, in one round trip each', async () => {
    const t = await createTenant();
    const isolate = countedEnv(limits(5, 100, 11));
    // The isolate's first request for the key asks its object first, then sends (and records the key's use).
    const first = await ingestTo(isolate.env, t.key.secret, logLine('first'));
    expect(first.status).toBe(202);
    expect(isolate.trips).toEqual(['DO.admitApiKey', expect.stringMatching(/^D1\.run /), 'queue.send']);
    isolate.trips.length = 0;

    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ingestTo(isolate.env, t.key.secret, logLine(`at once ${i}`))));
    const admitted = results.filter((res) => res.status === 202);
    expect(admitted).toHaveLength(10);
    for (const refused of results.filter((res) => res.status !== 202)) expectRateLimited(refused, 11);
    // The isolate lets as many ride as it knows room for (10); the rest ask first. One object call each.
    expect(isolate.trips.filter((trip) => trip.startsWith('DO.')).sort()).toEqual([
      ...Array(10).fill('DO.admitApiKey'),
      ...Array(10).fill('DO.admitApiKeyAndSend'),
    ]);

    // The object sent the admitted ones (concurrent ones together): every one is stored, once.
    await expect.poll(async () => (await storedEntries(t.project.id)).length, { timeout: 10_000, interval: 250 }).toBe(11);
    await afterDelivery();
    const storedIds = (await storedEntries(t.project.id)).map((stored) => stored.id).sort();
    expect(storedIds).toEqual([first, ...admitted].flatMap((res) => res.body.data.ids).sort());
    // The isolate now knows the window is used up: the next request is refused before its body is read.
    const next = await ingestTo(isolate.env, t.key.secret);
    expectRateLimited(next, 11);
    expect(next.request.bodyUsed).toBe(false);
  });

  it('a window used up through another isolate: 429 comes before the 400 its body earns, and nothing is sent', async () => {
    const t = await createTenant();
    const [a, b] = [isolateEnv(limits(5, 100, 3)), isolateEnv(limits(5, 100, 3))];
    expect((await ingestTo(a, t.key.secret, logLine('a'))).status).toBe(202);
    for (const message of ['b1', 'b2']) expect((await ingestTo(b, t.key.secret, logLine(message))).status).toBe(202);

    // a still believes the window has room: the request's body is read before its object refuses it.
    const invalid = await ingestTo(a, t.key.secret, '{"level": "loud", "message": "over"}');
    expectRateLimited(invalid, 3, 55);
    expect(invalid.request.bodyUsed).toBe(true);
    expectRateLimited(await ingestTo(a, t.key.secret, logLine('over the limit')), 3, 55);

    await afterDelivery();
    expect(await storedMessages(t.project.id)).toEqual(['a', 'b1', 'b2']);
  });

  it('a key revoked through another isolate: 401 before a 400, paid as the address, and nothing sent', async () => {
    const t = await createTenant();
    const a = countedEnv(limits(5, 9, 100));
    expect((await ingestTo(a.env, t.key.secret, logLine('before'))).status).toBe(202);
    const keyPath = `/v1/workspaces/${t.workspace.id}/projects/${t.project.id}/api-keys/${t.key.id}`;
    expect((await send('DELETE', keyPath, { ip: freshIp(), headers: { Authorization: `Bearer ${t.owner.accessToken}` } })).status).toBe(
      200,
    );

    const invalid = await ingestTo(a.env, t.key.secret, '{"level": "loud", "message": "after"}');
    expectError(invalid, 401, 'UNAUTHORIZED', 'Invalid or revoked API key');
    expect(invalid.request.bodyUsed).toBe(true);
    expect(rateHeaders(invalid)).toMatchObject({ limit: '9', remaining: '8' });
    // a has learnt: the next request asks the key's object first, and pays as the address.
    a.trips.length = 0;
    expectError(await ingestTo(a.env, t.key.secret, logLine('after')), 401, 'UNAUTHORIZED', 'Invalid or revoked API key');
    expect(a.trips).toEqual(['DO.admitApiKey', 'DO.take']);

    await afterDelivery();
    expect(await storedMessages(t.project.id)).toEqual(['before']);
  });

  it('a key revoked through the same isolate: its next ingest asks the key’s object first', async () => {
    const t = await createTenant();
    const a = countedEnv({});
    expect((await ingestTo(a.env, t.key.secret)).status).toBe(202);
    const keyPath = `/v1/workspaces/${t.workspace.id}/projects/${t.project.id}/api-keys/${t.key.id}`;
    const asOwner = { Authorization: `Bearer ${t.owner.accessToken}` };
    expect((await send('DELETE', keyPath, { ip: freshIp(), isolate: a.env, headers: asOwner })).status).toBe(200);
    a.trips.length = 0;
    expectError(await ingestTo(a.env, t.key.secret), 401, 'UNAUTHORIZED', 'Invalid or revoked API key');
    expect(a.trips).toEqual(['DO.admitApiKey', 'DO.take']);
  });

  it('an OTLP export rides too; one with every record rejected sends nothing and is still counted', async () => {
    const t = await createTenant();
    const isolate = countedEnv(limits(5, 100, 100));
    expect((await ingestTo(isolate.env, t.key.secret)).status).toBe(202);
    const exportRecords = (message: string) =>
      send('POST', '/v1/otlp/v1/logs', {
        ip: freshIp(),
        isolate: isolate.env,
        headers: { 'X-API-Key': t.key.secret, ...asJson },
        body: JSON.stringify({
          resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityText: 'INFO', body: { stringValue: message } }] }] }],
        }),
      });
    isolate.trips.length = 0;
    const rejected = await exportRecords('x'.repeat(9000));
    expect(rejected.status).toBe(200);
    expect(rejected.body.partialSuccess).toMatchObject({ rejectedLogRecords: 1 });
    expect(rateHeaders(rejected)).toMatchObject({ limit: '100', remaining: '98' });
    expect(isolate.trips).toEqual(['DO.admitApiKey']);

    isolate.trips.length = 0;
    const accepted = await exportRecords('from otel');
    expect(accepted.status).toBe(200);
    expect(rateHeaders(accepted)).toMatchObject({ remaining: '97' });
    expect(isolate.trips).toEqual(['DO.admitApiKeyAndSend']);
    await expect.poll(() => storedMessages(t.project.id), { timeout: 10_000, interval: 250 }).toContain('from otel');
  });

  it('a request of several queue messages is admitted first and sends from the Worker, in parallel', async () => {
    const t = await createTenant();
    const isolate = countedEnv({});
    expect((await ingestTo(isolate.env, t.key.secret)).status).toBe(202);
    isolate.trips.length = 0;
    // 20 entries of 8,000 characters: about 160 KB, three messages of at most 60 KB.
    const entries = Array.from({ length: 20 }, (_, i) => ({ level: 'info', message: `${i} ${'x'.repeat(8000)}` }));
    expect((await ingestTo(isolate.env, t.key.secret, JSON.stringify({ entries }))).status).toBe(202);
    expect(isolate.trips).toEqual(['DO.admitApiKey', 'queue.sendBatch']);
    await expect.poll(async () => (await storedEntries(t.project.id)).length, { timeout: 10_000, interval: 250 }).toBe(21);
  });

  it('when the count after a refused route fails, D1 says whether the key is live: a revoked key is still 401', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const t = await createTenant();
    let failing = false;
    const flaky = {
      idFromName: (name: string) => env.RATE_LIMITER.idFromName(name),
      get: (id: DurableObjectId) =>
        new Proxy(env.RATE_LIMITER.get(id), {
          get: (stub, property) =>
            failing && property === 'admitApiKey'
              ? () => Promise.reject(new Error('Durable Object overloaded'))
              : Reflect.get(stub, property),
        }),
    };
    const a = isolateEnv({ RATE_LIMITER: flaky });
    expect((await ingestTo(a, t.key.secret)).status).toBe(202);
    const keyPath = `/v1/workspaces/${t.workspace.id}/projects/${t.project.id}/api-keys/${t.key.id}`;
    expect((await send('DELETE', keyPath, { ip: freshIp(), headers: { Authorization: `Bearer ${t.owner.accessToken}` } })).status).toBe(
      200,
    );
    failing = true;
    // a still remembers the key: the invalid body is judged first, then the count fails (fail open).
    expectError(await ingestTo(a, t.key.secret, '{"level": "loud"}'), 401, 'UNAUTHORIZED', 'Invalid or revoked API key');
    expect(String(log.mock.calls[0]?.[0])).toMatch(/rate limiter failed/);
  });

  it('when the object fails in that round trip: a 500 without detail (the messages may be out), and the next request asks first', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const t = await createTenant();
    const failing = {
      idFromName: (name: string) => env.RATE_LIMITER.idFromName(name),
      get: (id: DurableObjectId) =>
        new Proxy(env.RATE_LIMITER.get(id), {
          get: (stub, property) =>
            property === 'admitApiKeyAndSend' ? () => Promise.reject(new Error('Durable Object reset')) : Reflect.get(stub, property),
        }),
    };
    const a = isolateEnv({ RATE_LIMITER: failing });
    expect((await ingestTo(a, t.key.secret)).status).toBe(202);
    const failed = await ingestTo(a, t.key.secret);
    expectError(failed, 500, 'INTERNAL_ERROR', 'Internal server error');
    expect(failed.text).not.toMatch(/reset/);
    expect(String(log.mock.calls[0]?.[0])).toMatch(/Durable Object reset/);
    expect((await ingestTo(a, t.key.secret)).status).toBe(202);
  });
});
