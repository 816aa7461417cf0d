// The Worker runs src/lib/openapi-runtime.ts in place of @hono/zod-openapi (the alias in
// wrangler.jsonc and vitest.config.ts). Here the same routes (src/app.ts) run through both, the
// runtime and the real package, and every answer must be the same: routing, request validation of
// each target, the 415 media-type gate, the hooks, the guards in front of them. The one difference
// is by design and asserted as such: the runtime reads `attributes[key]=value` as the deepObject
// the contract declares; the package leaves it a flat key, which the strict query schema refuses.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app';
import { assertMatchesContract } from './support/contract';
import { ORIGIN } from './support/http';
import { addMember, createTenant, type Tenant, uniqueSlug } from './support/tenancy';
import { type SignedUpUser, signUp } from './support/users';

type App = ReturnType<typeof createApp>;
type Sent = { method: string; path: string; token?: string; headers?: Record<string, string>; body?: string };

/** src/app.ts again, in a module graph where the alias's target is the package itself. */
async function createPackageApp(): Promise<App> {
  vi.resetModules();
  vi.doMock('../src/lib/openapi-runtime', () => import('../node_modules/@hono/zod-openapi/dist/index.mjs'));
  const { createApp: createWithPackage } = await import('../src/app');
  vi.doUnmock('../src/lib/openapi-runtime');
  return createWithPackage();
}

/** One request to one app, its answer checked against the contract, with what differs per call (ids, times, request ids) masked. */
async function send(app: App, { method, path, token, headers = {}, body }: Sent) {
  const request = new Request(`${ORIGIN}${path}`, {
    method,
    redirect: 'manual',
    headers: { 'CF-Connecting-IP': '203.0.113.30', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body,
  });
  const ctx = createExecutionContext();
  const res = await app.fetch(request, env, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  const contentType = res.headers.get('content-type') ?? '';
  const parsed = contentType.startsWith('application/json') ? JSON.parse(text) : text;
  assertMatchesContract(method, request.url, res.status, res.headers, parsed);
  const masked = JSON.stringify(parsed)
    .replaceAll(/"[a-z]{2,4}_[0-9a-zA-Z_]{8,}"/g, '"<id>"')
    .replaceAll(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
    .replaceAll(/"slug":"[^"]*"/g, '"slug":"<slug>"');
  return { status: res.status, contentType, body: JSON.parse(masked) };
}

let runtimeApp: App;
let packageApp: App;
let tenant: Tenant;
let member: SignedUpUser;

beforeAll(async () => {
  runtimeApp = createApp();
  packageApp = await createPackageApp();
  tenant = await createTenant();
  member = await signUp();
  await addMember(tenant.owner.accessToken, tenant.workspace.id, member, 'member');
}, 60_000);

const json = (value: unknown) => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });
const projects = () => `/v1/workspaces/${tenant.workspace.id}/projects`;
const owner = () => tenant.owner.accessToken;
const key = () => tenant.key.secret;

// Each case is built when it runs (ids exist only after beforeAll); one that writes gets its own body per app.
const CASES: [string, () => Sent][] = [
  ['health', () => ({ method: 'GET', path: '/v1/health' })],
  ['an unknown path', () => ({ method: 'GET', path: '/v1/nope' })],
  ['the contract, served as an asset', () => ({ method: 'GET', path: '/openapi.json' })],
  ['a read behind the role guard', () => ({ method: 'GET', path: projects(), token: owner() })],
  [
    'a JSON body that passes',
    () => ({ method: 'POST', path: projects(), token: owner(), ...json({ name: 'Runtime', slug: uniqueSlug('rt') }) }),
  ],
  [
    'a JSON body that fails its schema',
    () => ({ method: 'POST', path: projects(), token: owner(), ...json({ name: '', slug: 'Not A Slug', retentionDays: 0 }) }),
  ],
  [
    'a JSON body with an unknown property',
    () => ({ method: 'POST', path: projects(), token: owner(), ...json({ name: 'x', slug: uniqueSlug('rt'), color: 'red' }) }),
  ],
  [
    'malformed JSON',
    () => ({ method: 'POST', path: projects(), token: owner(), headers: { 'Content-Type': 'application/json' }, body: '{"name":' }),
  ],
  [
    'a required body of another media type',
    () => ({ method: 'POST', path: projects(), token: owner(), headers: { 'Content-Type': 'text/plain' }, body: 'name=x' }),
  ],
  ['a required body missing', () => ({ method: 'POST', path: projects(), token: owner() })],
  ['bytes without a media type', () => ({ method: 'POST', path: projects(), token: owner(), body: '{}' })],
  ['a path parameter that fails its schema', () => ({ method: 'GET', path: `${projects()}/not-an-id`, token: owner() })],
  [
    "a role below the route's",
    () => ({
      method: 'POST',
      path: `/v1/workspaces/${tenant.workspace.id}/transfer-ownership`,
      token: member.accessToken,
      ...json({ userId: member.user.id }),
    }),
  ],
  ['a query that passes', () => ({ method: 'GET', path: '/v1/logs?level=error&limit=5', token: key() })],
  ['a query value that fails its schema', () => ({ method: 'GET', path: '/v1/logs?level=loud', token: key() })],
  ['a query parameter the contract does not declare', () => ({ method: 'GET', path: '/v1/logs?colour=red', token: key() })],
  ['a route hook of its own (unknown source first)', () => ({ method: 'GET', path: '/v1/logs?source=tape&limit=0', token: key() })],
  [
    'a header that fails its schema',
    () => ({
      method: 'POST',
      path: '/v1/logs',
      token: key(),
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'x'.repeat(300) },
      body: '{"message":"m"}',
    }),
  ],
  [
    'an ingest in JSON',
    () => ({ method: 'POST', path: '/v1/logs', token: key(), ...json({ level: 'info', message: 'same routes, two runtimes' }) }),
  ],
  [
    'an ingest in NDJSON',
    () => ({
      method: 'POST',
      path: '/v1/logs',
      token: key(),
      headers: { 'Content-Type': 'application/x-ndjson' },
      body: '{"level":"info","message":"a"}\n{"level":"warn","message":"b"}\n',
    }),
  ],
  ['an OTLP export', () => ({ method: 'POST', path: '/v1/otlp/v1/logs', token: key(), ...json({ resourceLogs: [] }) })],
  [
    'an auth body that fails its schema',
    () => ({ method: 'POST', path: '/v1/auth/login', ...json({ email: 'not-an-email', password: '' }) }),
  ],
  ['an enum path parameter', () => ({ method: 'GET', path: '/v1/auth/oauth/myspace' })],
  ['a token that does not verify', () => ({ method: 'GET', path: '/v1/me', token: 'not-a-token' })],
  ["a development route's query", () => ({ method: 'GET', path: '/v1/dev/outbox?to=not-an-email' })],
];

describe('the same routes through the runtime and through @hono/zod-openapi', () => {
  it.each(CASES)('%s: the same answer', async (_, build) => {
    const request = build();
    // Writes that must not collide (a slug taken by the first call) get a fresh request for the second.
    const second = request.body?.includes('"slug"') ? build() : request;
    const [throughRuntime, throughPackage] = [await send(runtimeApp, request), await send(packageApp, second)];
    expect(throughRuntime.status).toBeLessThan(500);
    expect(throughPackage).toEqual(throughRuntime);
  });

  it('differs only where the runtime reads deepObject queries as the contract declares them', async () => {
    const request: Sent = { method: 'GET', path: '/v1/logs?attributes[region]=eu', token: key() };
    const [throughRuntime, throughPackage] = [await send(runtimeApp, request), await send(packageApp, request)];
    expect(throughRuntime.status).toBe(200);
    expect(throughPackage.status).toBe(400);
    expect(throughPackage.body.error.details).toEqual([expect.objectContaining({ field: 'attributes[region]' })]);
  });

  it('really ran the package: its router has the document generator the runtime leaves out', () => {
    expect('getOpenAPI31Document' in packageApp).toBe(true);
    expect('getOpenAPI31Document' in runtimeApp).toBe(false);
  });
});
