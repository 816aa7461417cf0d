// Behaviour of @loglane/client against a local stub server: requests, the three error kinds,
// 429 retry, token refresh (single flight), response validation, and the core with its plugins.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLoglaneClient,
  createLoglaneCore,
  isLoglaneError,
  type LoglaneClientOptions,
  type LoglanePlugin,
  refreshExpiredSessions,
  retryRateLimited,
} from '../src/index.ts';
import { getMe, login } from '../src/operations.ts';
import { createLoglaneClient as createValidatingClient } from '../src/validate.ts';
import {
  failure,
  health,
  ok,
  rateHeaders,
  type Stub,
  type StubHandler,
  type StubReply,
  session,
  startStub,
  user,
  workspace,
} from './stub.ts';

let stub: Stub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function setup(handler: StubHandler, options: Partial<LoglaneClientOptions> = {}) {
  stub = await startStub(handler);
  return { stub, client: createLoglaneClient({ baseUrl: stub.url, ...options }) };
}

describe('requests', () => {
  it('sends method, path, query, body and credentials as the contract declares', async () => {
    const { stub, client } = await setup(() => ok({ source: 'd1', entries: [] }), {
      accessToken: 'jwt_1',
      apiKey: 'sk_1',
      headers: { 'X-Client': 'test' },
    });
    await client.queryLogs({ query: { source: 'd1', level: ['error', 'warn'], q: 'a b&c', limit: 5 } });
    await client.createApiKey({ path: { workspaceId: 'ws/1', projectId: 'prj_1' }, body: { name: 'ci', scopes: ['logs:read'] } });
    await client.getMe();
    await client.getHealth();

    const [query, create, me, healthCheck] = stub.requests;
    expect(query.method).toBe('GET');
    expect(query.path).toBe('/v1/logs');
    expect(query.query.getAll('level')).toEqual(['error', 'warn']);
    expect(query.query.get('q')).toBe('a b&c');
    expect(query.query.get('limit')).toBe('5');
    expect(query.headers.authorization).toBe('Bearer sk_1'); // the API key is preferred where both are accepted
    expect(query.headers['x-client']).toBe('test');

    expect(create.method).toBe('POST');
    expect(create.path).toBe('/v1/workspaces/ws%2F1/projects/prj_1/api-keys');
    expect(create.headers['content-type']).toBe('application/json');
    expect(create.body).toEqual({ name: 'ci', scopes: ['logs:read'] });
    expect(create.headers.authorization).toBe('Bearer jwt_1');

    expect(me.headers.authorization).toBe('Bearer jwt_1');
    expect(me.headers['content-type']).toBeUndefined();
    expect(healthCheck.headers.authorization).toBeUndefined(); // no credential where none is declared
  });

  it('unwraps the success envelope and reads status, meta, request id and rate-limit headers', async () => {
    const { client } = await setup(() => ok(workspace, 201, rateHeaders(7)));
    const result = await client.createWorkspace({ body: { name: 'Acme', slug: 'acme' } });
    expect(result.error).toBeUndefined();
    expect(result.data).toEqual(workspace);
    expect(result.meta).toEqual({ timestamp: '2026-03-07T12:00:00.000Z' });
    expect(result.status).toBe(201);
    expect(result.requestId).toBe('req_1');
    expect(result.rateLimit).toMatchObject({ limit: 10, remaining: 7 });
    expect(result.rateLimit?.retryAfter).toBeUndefined();
  });

  it('returns text and bare JSON bodies as they are, and does not follow a declared redirect', async () => {
    const { client } = await setup((req): StubReply => {
      if (req.path === '/docs') return { status: 200, text: '<html>docs</html>', headers: { 'Content-Type': 'text/html' } };
      if (req.path === '/openapi.json') return { status: 200, body: { openapi: '3.1.0' } };
      return { status: 302, headers: { Location: 'https://github.com/login/oauth/authorize?state=s' } };
    });
    const docs = await client.getDocs();
    expect(docs.data).toBe('<html>docs</html>');
    const document = await client.getOpenApiDocument();
    expect(document.data).toEqual({ openapi: '3.1.0' });
    const oauth = await client.startOAuth({ path: { provider: 'github' } });
    expect(oauth.error).toBeUndefined();
    expect(oauth.status).toBe(302);
    expect(oauth.response?.headers.get('Location')).toContain('github.com');
  });

  it('exposes one method per operation of the public contract', async () => {
    const { paths } = (await import('../../generated/openapi.json')).default as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const operations = Object.values(paths).flatMap((item) => Object.values(item).flatMap((operation) => operation.operationId ?? []));
    const client = createLoglaneClient({ baseUrl: 'http://127.0.0.1:1' });
    const methods = Object.keys(client).filter((name) => !['call', 'setTokens', 'getTokens'].includes(name));
    expect(methods.sort()).toEqual(operations.sort());
  });
});

describe('errors', () => {
  it('turns a declared error into an api error with status, code, message, details and request id', async () => {
    const { client } = await setup(() =>
      failure(400, 'VALIDATION_ERROR', 'Invalid input', { details: [{ field: 'slug', issue: 'Invalid string' }] }, rateHeaders(3)),
    );
    const { data, error, rateLimit } = await client.createWorkspace({ body: { name: 'Acme', slug: 'Not A Slug' } });
    expect(data).toBeUndefined();
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      kind: 'api',
      operation: 'createWorkspace',
      status: 400,
      code: 'VALIDATION_ERROR',
      message: 'Invalid input',
      requestId: 'req_body',
    });
    expect(error?.details).toEqual([{ field: 'slug', issue: 'Invalid string' }]);
    expect(rateLimit?.remaining).toBe(3);
    expect(error?.rateLimit?.remaining).toBe(3);
    expect(isLoglaneError(error, 'VALIDATION_ERROR')).toBe(true);
    expect(isLoglaneError(error, 'NOT_FOUND')).toBe(false);
    expect(isLoglaneError(error)).toBe(true);
    expect(isLoglaneError(new Error('x'))).toBe(false);
  });

  it('treats a status the operation does not declare as a contract violation, not an API error', async () => {
    const { client } = await setup((req) =>
      req.path === '/v1/health' ? failure(429, 'RATE_LIMITED', 'Rate limit exceeded') : failure(404, 'NOT_FOUND', 'Resource not found'),
    );
    const healthCheck = await client.getHealth(); // declares 200 and 500 only
    expect(healthCheck.error).toMatchObject({ kind: 'contract', violation: 'undeclared-status', status: 429, code: undefined });
    expect(healthCheck.error?.message).toContain('RATE_LIMITED');
    const created = await client.createWorkspace({ body: { name: 'Acme', slug: 'acme' } }); // no 404 declared
    expect(created.error).toMatchObject({ kind: 'contract', violation: 'undeclared-status', status: 404 });
    expect(isLoglaneError(created.error, 'NOT_FOUND')).toBe(false);
  });

  it('treats unparsable bodies, missing envelopes and codes foreign to the status as contract violations', async () => {
    const replies = [
      { status: 200, text: 'not json', headers: { 'Content-Type': 'application/json' } },
      { status: 401, text: '<html>Bad gateway</html>', headers: { 'Content-Type': 'text/html' } },
      { status: 200, body: user },
      { status: 401, body: { message: 'nope' } },
      failure(401, 'NOT_FOUND', 'Resource not found'),
    ];
    const { client } = await setup(() => replies.shift()!);
    const results = [await client.getMe(), await client.getMe(), await client.getMe(), await client.getMe(), await client.getMe()];
    expect(results.map((r) => r.error && [r.error.kind, r.error.violation])).toEqual([
      ['contract', 'unparsable-body'],
      ['contract', 'unparsable-body'],
      ['contract', 'unexpected-body'],
      ['contract', 'unexpected-body'],
      ['contract', 'unexpected-body'],
    ]);
    expect(results[0].error?.body).toBe('not json');
    expect(results[4].error?.message).toContain('does not give status 401');
  });

  it('reports network failures and aborts as network errors', async () => {
    const stub = await startStub(() => ok(user));
    const url = stub.url;
    await stub.close();
    const client = createLoglaneClient({ baseUrl: url });
    const refused = await client.getMe();
    expect(refused.error).toMatchObject({ kind: 'network', status: undefined, code: undefined, operation: 'getMe' });
    expect(refused.response).toBeUndefined();

    const { client: slow } = await setup(() => ({ ...ok(user), delayMs: 2_000 }));
    const aborted = await slow.getMe({ signal: AbortSignal.timeout(50) });
    expect(aborted.error).toMatchObject({ kind: 'network' });
    expect(aborted.error?.message).toContain('aborted');
  });

  it('never rejects, even when the request cannot be built', async () => {
    const { client } = await setup(() => ok({ accepted: 1, ids: ['log_1'] }, 202));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const result = await client.ingestLogs({ body: { level: 'info', message: 'x', attributes: circular as never } });
    expect(result.error).toMatchObject({ kind: 'network' });
    expect(result.error?.message).toContain('could not be built');
  });
});

const limited = (retryAfter: string) =>
  failure(429, 'RATE_LIMITED', 'Rate limit exceeded', {}, rateHeaders(0, { 'Retry-After': retryAfter }));

/** A stub with one valid access token at a time; refresh rotates both tokens. */
function authServer(options: { refreshDelayMs?: number; refusal?: boolean } = {}) {
  const state = { access: 'jwt_1', refresh: 'rt_1', generation: 1 };
  const handler: StubHandler = (req) => {
    if (req.path === '/v1/auth/refresh') {
      const presented = (req.body as { refreshToken: string }).refreshToken;
      if (options.refusal || presented !== state.refresh) return failure(401, 'UNAUTHORIZED', 'Invalid token');
      state.generation++;
      state.access = `jwt_${state.generation}`;
      state.refresh = `rt_${state.generation}`;
      return { ...ok(session(state.access, state.refresh)), delayMs: options.refreshDelayMs };
    }
    const token = req.headers.authorization?.replace(/^Bearer /, '');
    if (!token) return failure(401, 'UNAUTHORIZED', 'Authentication required');
    if (token === 'jwt_bad') return failure(401, 'UNAUTHORIZED', 'Invalid token');
    if (token !== state.access) return failure(401, 'UNAUTHORIZED', 'Token expired');
    return ok(user);
  };
  return { state, handler };
}

describe('429 retry', () => {
  it('is off by default: the 429 comes back with Retry-After readable', async () => {
    const { stub, client } = await setup(() => limited('7'));
    const result = await client.login({ body: { email: 'a@b.c', password: 'x' } });
    expect(stub.requests).toHaveLength(1);
    expect(result.error).toMatchObject({ kind: 'api', status: 429, code: 'RATE_LIMITED' });
    expect(result.rateLimit).toMatchObject({ remaining: 0, retryAfter: 7 });
  });

  it('retries up to maxRetries, honouring Retry-After', async () => {
    let calls = 0;
    const { stub, client } = await setup(() => (++calls < 3 ? limited('0') : ok(session('a', 'r'))), { retry: { maxRetries: 2 } });
    const result = await client.login({ body: { email: 'a@b.c', password: 'x' } });
    expect(result.error).toBeUndefined();
    expect(result.data?.accessToken).toBe('a');
    expect(stub.requests).toHaveLength(3);
    expect(stub.requests.every((r) => JSON.stringify(r.body) === '{"email":"a@b.c","password":"x"}')).toBe(true);
  });

  it('gives up after maxRetries and returns the last 429', async () => {
    const { stub, client } = await setup(() => limited('0'), { retry: { maxRetries: 2 } });
    const result = await client.login({ body: { email: 'a@b.c', password: 'x' } });
    expect(stub.requests).toHaveLength(3);
    expect(isLoglaneError(result.error, 'RATE_LIMITED')).toBe(true);
  });

  it('does not retry when the server asks for a longer wait than maxDelayMs', async () => {
    const { stub, client } = await setup(() => limited('60'), { retry: { maxRetries: 3, maxDelayMs: 1_000 } });
    const started = Date.now();
    const result = await client.login({ body: { email: 'a@b.c', password: 'x' } });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(stub.requests).toHaveLength(1);
    expect(result.error?.rateLimit?.retryAfter).toBe(60);
  });

  it('waits until X-RateLimit-Reset when there is no Retry-After', async () => {
    let calls = 0;
    let resetAt = 0;
    const { stub, client } = await setup(
      () => {
        if (++calls > 1) return ok(user);
        resetAt = Math.floor(Date.now() / 1000) + 1;
        return failure(
          429,
          'RATE_LIMITED',
          'Rate limit exceeded',
          {},
          { 'X-RateLimit-Limit': '1', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(resetAt) },
        );
      },
      { retry: { maxRetries: 1, maxDelayMs: 5_000 } },
    );
    const result = await client.getMe();
    expect(result.error).toBeUndefined();
    expect(stub.requests).toHaveLength(2);
    expect(Date.now()).toBeGreaterThanOrEqual(resetAt * 1000 - 50);
  });

  it('can be turned off or on per call', async () => {
    const { stub, client } = await setup(() => limited('0'), { retry: { maxRetries: 2 } });
    await client.getMe({ retry: false });
    expect(stub.requests).toHaveLength(1);
    const plain = createLoglaneClient({ baseUrl: stub.url });
    await plain.getMe({ retry: { maxRetries: 1 } });
    expect(stub.requests).toHaveLength(3);
  });
});

describe('token refresh', () => {
  it('refreshes once on "Token expired", retries, and reports the new session', async () => {
    const { state, handler } = authServer();
    state.access = 'jwt_current';
    const sessions: string[] = [];
    const { stub, client } = await setup(handler, {
      accessToken: 'jwt_old',
      refreshToken: 'rt_1',
      onTokens: (s) => void sessions.push(s.accessToken),
    });
    const result = await client.getMe();
    expect(result.error).toBeUndefined();
    expect(result.data).toEqual(user);
    expect(stub.count('POST /v1/auth/refresh')).toBe(1);
    expect(stub.count('/v1/me')).toBe(2);
    expect(sessions).toEqual(['jwt_2']);
    expect(client.getTokens()).toEqual({ accessToken: 'jwt_2', refreshToken: 'rt_2' });
    expect(stub.requests.at(-1)?.headers.authorization).toBe('Bearer jwt_2');
  });

  it('shares one refresh between concurrent calls (single flight)', async () => {
    const { state, handler } = authServer({ refreshDelayMs: 100 });
    state.access = 'jwt_current';
    let notified = 0;
    const { stub, client } = await setup(handler, { accessToken: 'jwt_old', refreshToken: 'rt_1', onTokens: () => void notified++ });
    const results = await Promise.all(Array.from({ length: 8 }, () => client.getMe()));
    expect(results.map((r) => r.error)).toEqual(Array(8).fill(undefined));
    expect(stub.count('POST /v1/auth/refresh')).toBe(1);
    expect(notified).toBe(1);
    expect(stub.count('/v1/me')).toBe(16);
  });

  it('retries with a token refreshed meanwhile, without refreshing again', async () => {
    const { state, handler } = authServer();
    state.access = 'jwt_current';
    // The second call's 401 (sent with the old token) arrives only after the first call's refresh is done.
    const slowed: StubHandler = async (req) => {
      const reply = await handler(req);
      return req.headers['x-slow'] && reply.status === 401 ? { ...reply, delayMs: 300 } : reply;
    };
    const { stub, client } = await setup(slowed, { accessToken: 'jwt_old', refreshToken: 'rt_1' });
    const [fast, slow] = await Promise.all([client.getMe(), client.getMe({ headers: { 'x-slow': '1' } })]);
    expect(fast.error).toBeUndefined();
    expect(slow.error).toBeUndefined();
    expect(stub.count('POST /v1/auth/refresh')).toBe(1);
    expect(stub.requests.filter((r) => r.path === '/v1/me').map((r) => r.headers.authorization)).toEqual([
      'Bearer jwt_old',
      'Bearer jwt_old',
      'Bearer jwt_2',
      'Bearer jwt_2',
    ]);
  });

  it('keeps the new tokens when onTokens throws', async () => {
    const { state, handler } = authServer();
    state.access = 'jwt_current';
    const { client } = await setup(handler, {
      accessToken: 'jwt_old',
      refreshToken: 'rt_1',
      onTokens: () => {
        throw new Error('storage full');
      },
    });
    expect((await client.getMe()).error).toBeUndefined();
    expect(client.getTokens().accessToken).toBe('jwt_2');
  });

  it('returns the original 401 when the refresh is refused, and stops presenting the dead refresh token', async () => {
    const { state, handler } = authServer({ refusal: true });
    state.access = 'jwt_current';
    let notified = 0;
    const { stub, client } = await setup(handler, { accessToken: 'jwt_old', refreshToken: 'rt_1', onTokens: () => void notified++ });
    const result = await client.getMe();
    expect(result.error).toMatchObject({ kind: 'api', status: 401, code: 'UNAUTHORIZED', message: 'Token expired' });
    expect((result.error?.cause as { message?: string } | undefined)?.message).toBe('Invalid token');
    expect(notified).toBe(0);
    expect(client.getTokens().refreshToken).toBeUndefined();
    await client.getMe();
    expect(stub.count('POST /v1/auth/refresh')).toBe(1);
  });

  it('does not refresh on other 401s, without a refresh token, or for API keys', async () => {
    const { handler } = authServer();
    const { stub, client } = await setup(handler, { accessToken: 'jwt_bad', refreshToken: 'rt_1' });
    expect((await client.getMe()).error?.message).toBe('Invalid token');
    const noRefresh = createLoglaneClient({ baseUrl: stub.url, accessToken: 'jwt_old' });
    expect((await noRefresh.getMe()).error?.message).toBe('Token expired');
    const keyed = createLoglaneClient({ baseUrl: stub.url, apiKey: 'sk_old', refreshToken: 'rt_1' });
    expect((await keyed.queryLogs()).error).toMatchObject({ status: 401 });
    expect(stub.count('POST /v1/auth/refresh')).toBe(0);
  });
});

describe('response validation', () => {
  const bodies: Record<string, unknown> = {
    good: { success: true, data: workspace, error: null, meta: { timestamp: '2026-03-07T12:00:00.000Z' } },
    extraKey: { success: true, data: { ...workspace, secret: 'leak' }, error: null, meta: { timestamp: '2026-03-07T12:00:00.000Z' } },
    badRole: { success: true, data: { ...workspace, role: 'king' }, error: null, meta: { timestamp: '2026-03-07T12:00:00.000Z' } },
    badError: {
      success: false,
      data: null,
      error: { code: 'VALIDATION_ERROR', message: 'Slug already taken', stack: 'at x.ts:1' },
      meta: { timestamp: '2026-03-07T12:00:00.000Z' },
    },
    goodError: {
      success: false,
      data: null,
      error: { code: 'VALIDATION_ERROR', message: 'Slug already taken', requestId: 'req_1' },
      meta: { timestamp: '2026-03-07T12:00:00.000Z' },
    },
  };
  const handler: StubHandler = (req) => {
    const kind = req.query.get('kind') ?? (req.body as { name: string }).name;
    return { status: kind.endsWith('rror') ? 409 : 201, body: bodies[kind] };
  };
  const create = (client: ReturnType<typeof createLoglaneClient>, kind: string) =>
    client.createWorkspace({ body: { name: kind, slug: 'acme' } });

  it('checks success and error bodies with the generated schemas: a mismatch is a contract error', async () => {
    const { stub } = await setup(handler);
    const client = createValidatingClient({ baseUrl: stub.url, validateResponses: true });
    expect((await create(client, 'good')).data).toEqual(workspace);
    expect((await create(client, 'goodError')).error).toMatchObject({ kind: 'api', status: 409, code: 'VALIDATION_ERROR' });

    const extra = await create(client, 'extraKey');
    expect(extra.error).toMatchObject({ kind: 'contract', violation: 'schema-mismatch', status: 201, code: undefined });
    expect(extra.error?.issues.join()).toContain('secret');
    const role = await create(client, 'badRole');
    expect(role.error?.issues.join()).toContain('data.role');
    const leaky = await create(client, 'badError');
    expect(leaky.error).toMatchObject({ kind: 'contract', violation: 'schema-mismatch', status: 409 });
    expect(isLoglaneError(leaky.error, 'VALIDATION_ERROR')).toBe(false);
  });

  it('is off in the plain client, and can be switched off in the validating one', async () => {
    const { stub, client } = await setup(handler);
    expect((await create(client, 'extraKey')).error).toBeUndefined();
    const off = createValidatingClient({ baseUrl: stub.url, validateResponses: false });
    expect((await create(off, 'extraKey')).error).toBeUndefined();
  });

  it('has a success schema for every operation with a body', async () => {
    const { successSchemaOf } = await import('../src/validate.ts');
    const { operations } = await import('../../generated/client-operations.ts');
    const missing = Object.values(operations).filter((op) => op.body !== 'none' && !successSchemaOf(op.id));
    expect(missing.map((op) => op.id)).toEqual([]);
  });
});

describe('the core and its plugins', () => {
  it('calls one descriptor with the same pipeline', async () => {
    const { stub } = await setup((req) => (req.path === '/v1/health' ? ok(health) : ok(session('a', 'r'))));
    const core = createLoglaneCore({ baseUrl: `${stub.url}/` });
    const result = await core.call(login, { body: { email: 'a@b.c', password: 'x' } });
    expect(result.data?.user).toEqual(user);
    expect(stub.requests[0].path).toBe('/v1/auth/login');
  });

  it('without plugins, returns a 429 and an expired session as they are', async () => {
    const { state, handler } = authServer();
    state.access = 'jwt_current';
    const { stub } = await setup((req) => (req.path === '/v1/auth/login' ? limited('0') : handler(req)));
    const core = createLoglaneCore({ baseUrl: stub.url, accessToken: 'jwt_old', refreshToken: 'rt_1' });
    expect((await core.call(login, { body: { email: 'a@b.c', password: 'x' } })).error).toMatchObject({ status: 429 });
    expect((await core.call(getMe)).error).toMatchObject({ status: 401, message: 'Token expired' });
    expect(stub.requests.map((r) => r.path)).toEqual(['/v1/auth/login', '/v1/me']);
  });

  it('retryRateLimited() retries twice by default; retryRateLimited(false) only when a call asks', async () => {
    const { stub } = await setup(() => limited('0'));
    const eager = createLoglaneCore({ baseUrl: stub.url, use: [retryRateLimited()] });
    expect((await eager.call(getMe)).status).toBe(429);
    expect(stub.requests).toHaveLength(3);
    const lazy = createLoglaneCore({ baseUrl: stub.url, use: [retryRateLimited(false)] });
    await lazy.call(getMe);
    expect(stub.requests).toHaveLength(4);
    await lazy.call(getMe, { retry: { maxRetries: 1 } });
    expect(stub.requests).toHaveLength(6);
  });

  it('stops waiting for a retry when the call is aborted', async () => {
    const { stub } = await setup(() => limited('5'));
    const core = createLoglaneCore({ baseUrl: stub.url, use: [retryRateLimited()] });
    const result = await core.call(getMe, { signal: AbortSignal.timeout(100) });
    expect(result.error).toMatchObject({ kind: 'network', operation: 'getMe' });
    expect(result.error?.message).toContain('aborted');
    expect(stub.requests).toHaveLength(1);
  });

  it("refreshExpiredSessions() refreshes the core's session and tells onTokens", async () => {
    const { state, handler } = authServer();
    state.access = 'jwt_current';
    const sessions: string[] = [];
    const { stub } = await setup(handler);
    const core = createLoglaneCore({
      baseUrl: stub.url,
      accessToken: 'jwt_old',
      refreshToken: 'rt_1',
      use: [refreshExpiredSessions((s) => void sessions.push(s.refreshToken))],
    });
    expect((await core.call(getMe)).data).toEqual(user);
    expect(sessions).toEqual(['rt_2']);
    expect(core.getTokens()).toEqual({ accessToken: 'jwt_2', refreshToken: 'rt_2' });
  });

  it('wraps plugins outermost first, each seeing the attempts of the ones inside it', async () => {
    let calls = 0;
    const { stub } = await setup(() => (++calls === 1 ? limited('0') : ok(user)));
    const seen: string[] = [];
    const trace =
      (name: string): LoglanePlugin =>
      (next) =>
      async (op, request) => {
        seen.push(`${name} sends ${op.id}`);
        const result = await next(op, request);
        seen.push(`${name} gets ${result.status}`);
        return result;
      };
    const core = createLoglaneCore({ baseUrl: stub.url, use: [trace('outer'), retryRateLimited(), trace('inner')] });
    expect((await core.call(getMe)).data).toEqual(user);
    expect(seen).toEqual([
      'outer sends getMe',
      'inner sends getMe',
      'inner gets 429',
      'inner sends getMe',
      'inner gets 200',
      'outer gets 200',
    ]);
    expect(stub.requests).toHaveLength(2);
  });
});

describe('tailLogs', () => {
  const entry = (id: string) => ({
    id,
    projectId: 'prj_1',
    level: 'info',
    message: id,
    timestamp: '2026-03-07T12:00:00.000Z',
    receivedAt: '2026-03-07T12:00:00.000Z',
    attributes: {},
  });
  const events = (...ids: string[]) =>
    `: heartbeat\n\n${ids.map((id) => `event: log\nid: ${id}\ndata: ${JSON.stringify(entry(id))}\n\n`).join('')}`;
  const sse = (text: string): StubReply => ({ status: 200, text, headers: { 'Content-Type': 'text/event-stream' } });

  it('yields entries, reconnects after a dropped stream or a 429 with Last-Event-ID, and throws a final error', async () => {
    const replies: StubReply[] = [
      sse(events('log_1', 'log_2')),
      { ...failure(429, 'RATE_LIMITED', 'Too many live tail connections'), headers: { 'Retry-After': '0' } },
      sse(events('log_3')),
      failure(401, 'UNAUTHORIZED', 'Invalid or revoked API key'),
    ];
    const { stub, client } = await setup(() => replies.shift()!, { apiKey: 'sk_1' });
    const seen: string[] = [];
    const tail = client.tailLogs({ query: { level: ['warn', 'error'], attributes: { region: 'eu' } }, reconnectDelayMs: 10 });
    const ended = await (async () => {
      try {
        for await (const got of tail) seen.push(got.id);
      } catch (error) {
        return error;
      }
    })();
    expect(seen).toEqual(['log_1', 'log_2', 'log_3']);
    expect(isLoglaneError(ended, 'UNAUTHORIZED')).toBe(true);
    expect(stub.requests.map((r) => r.headers['last-event-id'])).toEqual([undefined, 'log_2', 'log_2', 'log_3']);
    expect(stub.requests[0].headers.authorization).toBe('Bearer sk_1');
    expect(stub.requests[0].query.getAll('level')).toEqual(['warn', 'error']);
    expect(stub.requests[0].query.get('attributes[region]')).toBe('eu');
  });

  it('stops when its signal aborts', async () => {
    let stream = 0;
    const { client } = await setup(() => sse(events(`log_${++stream}`)));
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const got of client.tailLogs({ signal: controller.signal, reconnectDelayMs: 10 })) {
      seen.push(got.id);
      if (seen.length === 3) controller.abort();
    }
    expect(seen).toEqual(['log_1', 'log_2', 'log_3']);
  });

  it('yields an entry that comes twice once, in one stream or after reconnecting', async () => {
    const replies: StubReply[] = [
      sse(events('log_1', 'log_2', 'log_1')),
      sse(events('log_2', 'log_3')),
      failure(401, 'UNAUTHORIZED', 'Invalid or revoked API key'),
    ];
    const { client } = await setup(() => replies.shift()!, { apiKey: 'sk_1' });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const got of client.tailLogs({ reconnectDelayMs: 10 })) seen.push(got.id);
      })(),
    ).rejects.toSatisfy((error) => isLoglaneError(error, 'UNAUTHORIZED'));
    expect(seen).toEqual(['log_1', 'log_2', 'log_3']);
  });
});
