import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import publicContract from '../generated/openapi.json';
import { createApp } from '../src/app';
import { fetchWithEnv } from './logs.support';
import { assertMatchesContract } from './support/contract';
import { api, expectError, ORIGIN } from './support/http';

describe('envelopes and request ids', () => {
  it('answers health in the success envelope with a generated request id', async () => {
    const res = await api.get('/v1/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, error: null, data: { status: 'ok', version: publicContract.info.version } });
    expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(res.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('echoes a well-formed incoming request id and replaces a malformed one', async () => {
    const echoed = await api.get('/v1/health', { headers: { 'X-Request-Id': 'client-trace-42' } });
    expect(echoed.headers.get('x-request-id')).toBe('client-trace-42');
    const replaced = await api.get('/v1/health', { headers: { 'X-Request-Id': 'bad id <script>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('answers unknown routes with 404 NOT_FOUND carrying the request id', async () => {
    const res = await api.get('/v1/nope', { headers: { 'X-Request-Id': 'trace-404' } });
    expectError(res, 404, 'NOT_FOUND', 'Resource not found');
    expect(res.body.error.requestId).toBe('trace-404');
  });

  it('sets secure headers', async () => {
    const res = await api.get('/v1/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('allows configured CORS origins only', async () => {
    const allowed = await api.get('/v1/health', { headers: { Origin: 'http://localhost:3000' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    const refused = await api.get('/v1/health', { headers: { Origin: 'https://evil.example' } });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('puts the CORS headers on errors too, and answers a preflight from an allowed origin only', async () => {
    const error = await api.get('/v1/nope', { headers: { Origin: 'http://localhost:3000' } });
    expectError(error, 404, 'NOT_FOUND', 'Resource not found');
    expect(error.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(error.headers.get('access-control-expose-headers')).toBe(
      'X-Request-Id,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset,Retry-After',
    );
    expect(error.headers.get('vary')).toBe('Origin');
    expect(error.headers.get('x-content-type-options')).toBe('nosniff');

    // A preflight is the browser's, not an operation of the contract: asked of the app directly.
    const preflight = (origin: string) =>
      createApp().fetch(
        new Request(`${ORIGIN}/v1/projects`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } }),
        env,
      );
    const allowed = await preflight('http://localhost:3000');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type,X-API-Key,X-Request-Id');
    expect(allowed.headers.get('access-control-max-age')).toBe('600');
    const refused = await preflight('https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('request bodies', () => {
  it('refuses a JSON body that does not parse with 400 "Malformed JSON body"', async () => {
    const res = await api.post('/v1/auth/login', undefined, { rawBody: '{"email": ', headers: { 'Content-Type': 'application/json' } });
    expectError(res, 400, 'VALIDATION_ERROR', 'Malformed JSON body');
  });

  it('refuses a body of another media type with 400 "Content-Type must be application/json"', async () => {
    const res = await api.post('/v1/auth/login', undefined, {
      rawBody: 'email=a@example.com',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expectError(res, 400, 'VALIDATION_ERROR', 'Content-Type must be application/json');
  });

  it('refuses an over-large body before parsing it', async () => {
    const res = await api.post('/v1/auth/login', undefined, {
      rawBody: `{"email":"${'a'.repeat(70 * 1024)}"}`,
      headers: { 'Content-Type': 'application/json' },
    });
    expectError(res, 400, 'VALIDATION_ERROR', 'Request body too large');
  });
});

describe('unexpected failures', () => {
  it('turns anything thrown into a generic 500 that leaks nothing', async () => {
    const app = createApp();
    app.get('/v1/boom', () => {
      throw new Error('D1_ERROR: no such column: password_hash at SELECT * FROM users');
    });
    const url = `${ORIGIN}/v1/boom`;
    const res = await app.fetch(new Request(url), env);
    const text = await res.text();
    expect(res.status).toBe(500);
    const body = JSON.parse(text);
    expect(body).toMatchObject({ success: false, data: null, error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } });
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
    expect(text).not.toMatch(/D1_ERROR|password_hash|SELECT|at /);
    // /v1/boom is not in the contract: only the error envelope shape applies, and a 500 is not a 404.
    expect(() => assertMatchesContract('GET', url, res.status, res.headers, body)).toThrow(/no operation/);
  });
});

describe('the served contract and reference', () => {
  it('serves the public bundle at /openapi.json, without development operations', async () => {
    const res = await api.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(publicContract);
    expect(res.body.paths['/v1/dev/outbox']).toBeUndefined();
    expect(res.headers.get('x-ratelimit-limit')).not.toBeNull();
  });

  it('serves a self-contained Redoc page at /docs with the error codes section', async () => {
    const res = await api.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).not.toMatch(/<script[^>]+src="https?:/);
    expect(res.text).toContain('Error codes');
    expect(res.text).toContain('Invalid or expired magic link');
  });

  it('puts its own address (PUBLIC_BASE_URL, which npm start sets from PORT) in the served servers and code samples', async () => {
    const own = 'http://127.0.0.1:9123';
    const testEnv = { ...env, PUBLIC_BASE_URL: own } as Env;
    const contract = await fetchWithEnv(testEnv, 'GET', '/openapi.json');
    expect(contract.body.servers.map((server: { url: string }) => server.url)).toEqual([own]);
    expect(contract.body.paths['/v1/health'].get['x-codeSamples'][0].source).toBe(`curl "${own}/v1/health"`);
    const docs = await fetchWithEnv(testEnv, 'GET', '/docs');
    expect(docs.text).toContain(`${own}/v1/health`);
    expect(docs.text).not.toContain('127.0.0.1:8787');
  });
});
