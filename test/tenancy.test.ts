// Workspaces, members, ownership, projects and API keys: the rules beyond who may call what
// (that is the matrix in tenancy.authorization.test.ts).
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app';
import { sha256Hex } from '../src/lib/crypto';
import { requireApiKey, requireUserOrApiKey } from '../src/middleware/auth';
import { ingestAndStore, purgeNow, storedCount } from './logs.support';
import { type ApiResponse, api, expectError, ORIGIN } from './support/http';
import { addMember, createApiKey, createProject, createTenant, createWorkspace, type Tenant, uniqueSlug } from './support/tenancy';
import { type SignedUpUser, signUp } from './support/users';

const INVALID_API_KEY = 'Invalid or revoked API key';
const OWNER_ROLE_FIXED = "The owner's role changes only by ownership transfer";

afterEach(() => {
  vi.useRealTimers();
});

/** Expects a 400 VALIDATION_ERROR "Invalid input" whose details name `field`. */
function expectInvalid(res: ApiResponse, field: string) {
  expectError(res, 400, 'VALIDATION_ERROR', 'Invalid input');
  expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
}

describe('workspaces', () => {
  let user: SignedUpUser;
  beforeAll(async () => {
    user = await signUp();
  });

  it('makes the creator the owner and lists it with the caller’s role', async () => {
    const slug = uniqueSlug('acme');
    const res = await api.post('/v1/workspaces', { name: 'Acme', slug }, { token: user.accessToken });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ name: 'Acme', slug, role: 'owner' });
    expect(res.body.data.id).toMatch(/^ws_/);
    const list = await api.get('/v1/workspaces', { token: user.accessToken });
    expect(list.body.data).toContainEqual(res.body.data);
    const got = await api.get(`/v1/workspaces/${res.body.data.id}`, { token: user.accessToken });
    expect(got.body.data).toEqual(res.body.data);
  });

  it.each(['ab', 'A-corp', '-acme', 'acme-', 'ac_me', 'a'.repeat(49), 'acmé', ''])(
    'refuses the slug %j with 400 details naming slug',
    async (slug) => {
      expectInvalid(await api.post('/v1/workspaces', { name: 'Acme', slug }, { token: user.accessToken }), 'slug');
    },
  );

  it.each(['abc', 'a-b', '0-9', 'a'.repeat(48)])('accepts the slug %j at the edges of the rule', async (slug) => {
    // Storage is per test file, so nothing else here takes these slugs.
    const res = await api.post('/v1/workspaces', { name: 'Edge', slug }, { token: user.accessToken });
    expect(res.status, res.text).toBe(201);
  });

  it('refuses a slug taken by anyone, with 409 "Slug already taken"', async () => {
    const taken = await createWorkspace(user.accessToken);
    const someoneElse = await signUp();
    expectError(
      await api.post('/v1/workspaces', { name: 'Copy', slug: taken.slug }, { token: someoneElse.accessToken }),
      409,
      'VALIDATION_ERROR',
      'Slug already taken',
    );
    // Nothing half-written: the refused creator has no workspace.
    expect((await api.get('/v1/workspaces', { token: someoneElse.accessToken })).body.data).toEqual([]);
  });

  it('updates name and slug; a slug taken by another workspace is 409, its own slug is fine', async () => {
    const mine = await createWorkspace(user.accessToken);
    const other = await createWorkspace(user.accessToken);
    const path = `/v1/workspaces/${mine.id}`;
    expectError(await api.patch(path, { slug: other.slug }, { token: user.accessToken }), 409, 'VALIDATION_ERROR', 'Slug already taken');
    expect((await api.patch(path, { slug: mine.slug }, { token: user.accessToken })).status).toBe(200);
    const newSlug = uniqueSlug('renamed');
    const renamed = await api.patch(path, { name: 'Renamed', slug: newSlug }, { token: user.accessToken });
    expect(renamed.body.data).toMatchObject({ id: mine.id, name: 'Renamed', slug: newSlug, role: 'owner', createdAt: mine.createdAt });
    expectInvalid(await api.patch(path, { slug: 'Bad Slug' }, { token: user.accessToken }), 'slug');
    expectError(await api.patch(path, {}, { token: user.accessToken }), 400, 'VALIDATION_ERROR', 'Invalid input');
  });

  it('lists only the caller’s workspaces, each with the caller’s own role', async () => {
    const owner = await signUp();
    const member = await signUp();
    const theirs = await createWorkspace(owner.accessToken);
    const ownedByMember = await createWorkspace(member.accessToken);
    await addMember(owner.accessToken, theirs.id, member, 'member');
    const list = await api.get('/v1/workspaces', { token: member.accessToken });
    expect(list.body.data.map((w: { id: string; role: string }) => [w.id, w.role]).sort()).toEqual(
      [
        [theirs.id, 'member'],
        [ownedByMember.id, 'owner'],
      ].sort(),
    );
  });
});

describe('members', () => {
  let owner: SignedUpUser;
  let admin: SignedUpUser;
  let member: SignedUpUser;
  let workspaceId: string;
  let base: string;
  beforeAll(async () => {
    [owner, admin, member] = await Promise.all([signUp({ name: 'Owner' }), signUp({ name: 'Admin' }), signUp({ name: 'Member' })]);
    workspaceId = (await createWorkspace(owner.accessToken)).id;
    base = `/v1/workspaces/${workspaceId}/members`;
    await addMember(owner.accessToken, workspaceId, admin, 'admin');
    await addMember(owner.accessToken, workspaceId, member, 'member');
  });

  it('lists every member with email, name and role', async () => {
    const res = await api.get(base, { token: member.accessToken });
    expect(res.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: owner.user.id, email: owner.email, name: 'Owner', role: 'owner' }),
        expect.objectContaining({ userId: admin.user.id, role: 'admin' }),
        expect.objectContaining({ userId: member.user.id, role: 'member' }),
      ]),
    );
    expect(res.body.data).toHaveLength(3);
  });

  it('changes roles, never to owner, and never the owner’s', async () => {
    const someone = await signUp();
    await addMember(owner.accessToken, workspaceId, someone, 'member');
    const promoted = await api.patch(`${base}/${someone.user.id}`, { role: 'admin' }, { token: admin.accessToken });
    expect(promoted.body.data).toMatchObject({ userId: someone.user.id, role: 'admin' });
    expectInvalid(await api.patch(`${base}/${someone.user.id}`, { role: 'owner' }, { token: owner.accessToken }), 'role');
    expectError(
      await api.patch(`${base}/${owner.user.id}`, { role: 'member' }, { token: admin.accessToken }),
      403,
      'FORBIDDEN',
      OWNER_ROLE_FIXED,
    );
    expectError(
      await api.patch(`${base}/${owner.user.id}`, { role: 'admin' }, { token: owner.accessToken }),
      403,
      'FORBIDDEN',
      OWNER_ROLE_FIXED,
    );
    expectError(
      await api.patch(`${base}/${(await signUp()).user.id}`, { role: 'admin' }, { token: owner.accessToken }),
      404,
      'NOT_FOUND',
      'Resource not found',
    );
    // A role change applies to the very next request.
    const demoted = await api.patch(`${base}/${someone.user.id}`, { role: 'member' }, { token: owner.accessToken });
    expect(demoted.body.data.role).toBe('member');
    expectError(
      await api.post(
        `/v1/workspaces/${workspaceId}/invitations`,
        { email: 'x@example.com', role: 'member' },
        { token: someone.accessToken },
      ),
      403,
      'FORBIDDEN',
      'Insufficient role',
    );
  });

  it('lets members leave and admins remove others, but the owner can neither leave nor be removed', async () => {
    const leaver = await signUp();
    const removed = await signUp();
    await addMember(owner.accessToken, workspaceId, leaver, 'member');
    await addMember(owner.accessToken, workspaceId, removed, 'member');
    expectError(await api.delete(`${base}/${removed.user.id}`, { token: leaver.accessToken }), 403, 'FORBIDDEN', 'Insufficient role');
    const left = await api.delete(`${base}/${leaver.user.id}`, { token: leaver.accessToken });
    expect(left.body.data).toEqual({ id: leaver.user.id, deleted: true });
    // Gone at once: to the former member the workspace no longer exists.
    expectError(await api.get(`/v1/workspaces/${workspaceId}`, { token: leaver.accessToken }), 404, 'NOT_FOUND');
    expect((await api.delete(`${base}/${removed.user.id}`, { token: admin.accessToken })).status).toBe(200);
    expectError(await api.delete(`${base}/${removed.user.id}`, { token: admin.accessToken }), 404, 'NOT_FOUND', 'Resource not found');
    expectError(await api.delete(`${base}/${owner.user.id}`, { token: admin.accessToken }), 403, 'FORBIDDEN', OWNER_ROLE_FIXED);
    expectError(await api.delete(`${base}/${owner.user.id}`, { token: owner.accessToken }), 403, 'FORBIDDEN', OWNER_ROLE_FIXED);
    expect((await api.get(`/v1/workspaces/${workspaceId}`, { token: owner.accessToken })).body.data.role).toBe('owner');
  });
});

describe('ownership transfer', () => {
  async function setUp() {
    const [owner, admin, member, stranger] = await Promise.all([signUp(), signUp(), signUp(), signUp()]);
    const workspace = await createWorkspace(owner.accessToken);
    await addMember(owner.accessToken, workspace.id, admin, 'admin');
    await addMember(owner.accessToken, workspace.id, member, 'member');
    return { owner, admin, member, stranger, workspace, path: `/v1/workspaces/${workspace.id}/transfer-ownership` };
  }

  it('hands the workspace to a member; the old owner becomes admin', async () => {
    const { owner, member, workspace, path } = await setUp();
    const res = await api.post(path, { userId: member.user.id }, { token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: workspace.id, role: 'admin' });
    const roles = (await api.get(`/v1/workspaces/${workspace.id}/members`, { token: member.accessToken })).body.data;
    expect(roles).toContainEqual(expect.objectContaining({ userId: member.user.id, role: 'owner' }));
    expect(roles).toContainEqual(expect.objectContaining({ userId: owner.user.id, role: 'admin' }));
    expect(roles.filter((m: { role: string }) => m.role === 'owner')).toHaveLength(1);
    // The former owner is an ordinary admin now.
    expectError(await api.post(path, { userId: owner.user.id }, { token: owner.accessToken }), 403, 'FORBIDDEN', 'Only owner can transfer');
    expectError(await api.delete(`/v1/workspaces/${workspace.id}`, { token: owner.accessToken }), 403, 'FORBIDDEN', 'Insufficient role');
    // And the new owner can hand it back.
    expect((await api.post(path, { userId: owner.user.id }, { token: member.accessToken })).body.data.role).toBe('admin');
  });

  it('refuses anyone but the owner with "Only owner can transfer"', async () => {
    const { admin, member, path } = await setUp();
    expectError(await api.post(path, { userId: admin.user.id }, { token: admin.accessToken }), 403, 'FORBIDDEN', 'Only owner can transfer');
    expectError(
      await api.post(path, { userId: admin.user.id }, { token: member.accessToken }),
      403,
      'FORBIDDEN',
      'Only owner can transfer',
    );
  });

  it('refuses a transfer to yourself with 400 details on userId', async () => {
    const { owner, path } = await setUp();
    const res = await api.post(path, { userId: owner.user.id }, { token: owner.accessToken });
    expectError(res, 400, 'VALIDATION_ERROR', 'Invalid input');
    expect(res.body.error.details).toEqual([{ field: 'userId', issue: 'Already the owner' }]);
  });

  it('refuses a user who is not a member with 404, and a malformed id with 400', async () => {
    const { owner, stranger, workspace, path } = await setUp();
    expectError(await api.post(path, { userId: stranger.user.id }, { token: owner.accessToken }), 404, 'NOT_FOUND', 'Resource not found');
    expectError(await api.post(path, { userId: 'usr_doesNotExist' }, { token: owner.accessToken }), 404, 'NOT_FOUND');
    expectInvalid(await api.post(path, { userId: 'not an id' }, { token: owner.accessToken }), 'userId');
    expectInvalid(await api.post(path, {}, { token: owner.accessToken }), 'userId');
    expect((await api.get(`/v1/workspaces/${workspace.id}`, { token: owner.accessToken })).body.data.role).toBe('owner');
  });
});

describe('projects', () => {
  let tenant: Tenant;
  let token: string;
  let base: string;
  beforeAll(async () => {
    tenant = await createTenant();
    token = tenant.owner.accessToken;
    base = `/v1/workspaces/${tenant.workspace.id}/projects`;
  });

  it('creates with a default retention of 30 days, or the given one', async () => {
    const plain = await api.post(base, { name: 'Checkout', slug: uniqueSlug('co') }, { token });
    expect(plain.status).toBe(201);
    expect(plain.body.data).toMatchObject({ workspaceId: tenant.workspace.id, name: 'Checkout', retentionDays: 30 });
    expect(plain.body.data.id).toMatch(/^prj_/);
    const kept = await api.post(base, { name: 'Audit', slug: uniqueSlug('audit'), retentionDays: 365 }, { token });
    expect(kept.body.data.retentionDays).toBe(365);
    expect((await api.get(`${base}/${kept.body.data.id}`, { token })).body.data).toEqual(kept.body.data);
  });

  it('validates slug and retention', async () => {
    expectInvalid(await api.post(base, { name: 'X', slug: 'No' }, { token }), 'slug');
    expectInvalid(await api.post(base, { name: 'X', slug: uniqueSlug(), retentionDays: 0 }, { token }), 'retentionDays');
    expectInvalid(await api.post(base, { name: 'X', slug: uniqueSlug(), retentionDays: 3651 }, { token }), 'retentionDays');
    expectInvalid(await api.post(base, { slug: uniqueSlug() }, { token }), 'name');
  });

  it('keeps slugs unique within a workspace only', async () => {
    const slug = uniqueSlug('api');
    await createProject(token, tenant.workspace.id, { slug });
    expectError(await api.post(base, { name: 'Again', slug }, { token }), 409, 'VALIDATION_ERROR', 'Slug already taken');
    const other = await createTenant();
    expect((await createProject(other.owner.accessToken, other.workspace.id, { slug })).slug).toBe(slug);
  });

  it('updates name, slug and retention; a slug taken in the workspace is 409', async () => {
    const a = await createProject(token, tenant.workspace.id);
    const b = await createProject(token, tenant.workspace.id);
    expectError(await api.patch(`${base}/${a.id}`, { slug: b.slug }, { token }), 409, 'VALIDATION_ERROR', 'Slug already taken');
    const res = await api.patch(`${base}/${a.id}`, { name: 'Renamed', retentionDays: 7 }, { token });
    expect(res.body.data).toMatchObject({ id: a.id, name: 'Renamed', slug: a.slug, retentionDays: 7, createdAt: a.createdAt });
    expectError(await api.patch(`${base}/${a.id}`, {}, { token }), 400, 'VALIDATION_ERROR');
  });

  it('lists the workspace’s projects only', async () => {
    const other = await createTenant();
    const ids = (await api.get(base, { token })).body.data.map((p: { id: string }) => p.id);
    expect(ids).toContain(tenant.project.id);
    expect(ids).not.toContain(other.project.id);
  });
});

/** GET /v1/logs (API key `logs:read`, or a member's JWT with projectId) as the given credentials. */
const readLogs = (headers: Record<string, string>, query = '') => api.get(`/v1/logs${query}`, { headers });
const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });

/** The principal the auth middleware sets, seen through a test-only route (the real routes do not echo it). */
async function principalOf(guard: 'requireApiKey' | 'requireUserOrApiKey', headers: Record<string, string>) {
  const app = createApp();
  app.get('/probe', guard === 'requireApiKey' ? requireApiKey('logs:read') : requireUserOrApiKey('logs:read'), (c) =>
    c.json(c.get('principal')),
  );
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${ORIGIN}/probe`, { headers }), env, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as any };
}

describe('API keys', () => {
  let tenant: Tenant;
  let token: string;
  let keysPath: string;
  beforeAll(async () => {
    tenant = await createTenant();
    token = tenant.owner.accessToken;
    keysPath = `/v1/workspaces/${tenant.workspace.id}/projects/${tenant.project.id}/api-keys`;
  });

  it('returns the secret once and stores only its SHA-256', async () => {
    const res = await api.post(keysPath, { name: 'ingest', scopes: ['logs:write'] }, { token });
    expect(res.status).toBe(201);
    const key = res.body.data;
    expect(key).toMatchObject({ projectId: tenant.project.id, name: 'ingest', scopes: ['logs:write'], lastUsedAt: null });
    expect(key.id).toMatch(/^key_/);
    expect(key.secret).toMatch(/^sk_[A-Za-z0-9]{24}_[A-Za-z0-9]{32}_[0-9a-f]{24}$/);
    expect(key.secret.startsWith(key.prefix)).toBe(true);
    expect(key.prefix.length).toBeLessThan(12);
    const row = await env.DB.prepare('SELECT * FROM api_keys WHERE id = ?').bind(key.id).first<Record<string, unknown>>();
    expect(row?.secret_hash).toBe(await sha256Hex(key.secret));
    expect(Object.values(row!).some((value) => typeof value === 'string' && value.includes(key.secret.slice(8)))).toBe(false);
  });

  it('never shows a secret again: no later response contains it', async () => {
    const key = await createApiKey(token, tenant.workspace.id, tenant.project.id);
    const ws = `/v1/workspaces/${tenant.workspace.id}`;
    const list = await api.get(keysPath, { token });
    const later = await Promise.all([
      api.get(`${ws}/projects/${tenant.project.id}`, { token }),
      api.get(`${ws}/projects`, { token }),
      api.get(ws, { token }),
      api.get('/v1/workspaces', { token }),
      api.get(`${ws}/members`, { token }),
      api.post(keysPath, { name: 'another', scopes: ['logs:read'] }, { token }),
      readLogs(bearer(key.secret)),
      readLogs({ 'X-API-Key': key.secret }, `?projectId=${tenant.project.id}`),
      readLogs(bearer(token), `?projectId=${tenant.project.id}`),
    ]);
    const listed = list.body.data.find((k: { id: string }) => k.id === key.id);
    expect(listed).toEqual({
      id: key.id,
      projectId: key.projectId,
      name: key.name,
      scopes: key.scopes,
      prefix: key.prefix,
      createdAt: key.createdAt,
      lastUsedAt: null,
    });
    for (const listedKey of list.body.data) expect(listedKey).not.toHaveProperty('secret');
    for (const res of [list, ...later, await api.get(keysPath, { token })]) expect(res.text).not.toContain(key.secret.slice(8));
  });

  it('refuses duplicate scopes, unknown scopes and no scopes', async () => {
    expectInvalid(await api.post(keysPath, { name: 'dup', scopes: ['logs:read', 'logs:read'] }, { token }), 'scopes');
    expectInvalid(await api.post(keysPath, { name: 'bad', scopes: ['logs:delete'] }, { token }), 'scopes.0');
    expectInvalid(await api.post(keysPath, { name: 'none', scopes: [] }, { token }), 'scopes');
  });

  it('authenticates with Bearer or X-API-Key, as the key principal of its project', async () => {
    const key = await createApiKey(token, tenant.workspace.id, tenant.project.id, ['logs:read']);
    expect((await readLogs(bearer(key.secret))).status).toBe(200);
    expect((await readLogs({ 'X-API-Key': key.secret })).status).toBe(200);
    const principal = { kind: 'apiKey', keyId: key.id, projectId: tenant.project.id, scopes: ['logs:read'] };
    expect(await principalOf('requireApiKey', bearer(key.secret))).toEqual({ status: 200, body: principal });
    expect(await principalOf('requireUserOrApiKey', { 'X-API-Key': key.secret })).toEqual({ status: 200, body: principal });
    expect(await principalOf('requireUserOrApiKey', bearer(token))).toMatchObject({
      status: 200,
      body: { kind: 'user', userId: tenant.owner.user.id },
    });
    // A key reads its own project only: another project is as if it did not exist.
    const other = await createTenant();
    expectError(await readLogs(bearer(key.secret), `?projectId=${other.project.id}`), 404, 'NOT_FOUND');
  });

  it('answers unknown keys, missing credentials and missing scopes as the seed says', async () => {
    const writeOnly = await createApiKey(token, tenant.workspace.id, tenant.project.id, ['logs:write']);
    const readOnly = await createApiKey(token, tenant.workspace.id, tenant.project.id, ['logs:read']);
    expectError(await readLogs({}), 401, 'UNAUTHORIZED', 'Authentication required');
    expectError(await readLogs(bearer(`sk_${'x'.repeat(32)}`)), 401, 'UNAUTHORIZED', INVALID_API_KEY);
    expectError(await readLogs({ 'X-API-Key': 'not-a-key' }), 401, 'UNAUTHORIZED', INVALID_API_KEY);
    expectError(await readLogs(bearer(writeOnly.secret)), 403, 'FORBIDDEN', 'Insufficient scope');
    const entry = { level: 'info', message: 'hello' };
    expectError(await api.post('/v1/logs', entry, { token: readOnly.secret }), 403, 'FORBIDDEN', 'Insufficient scope');
    expect((await api.post('/v1/logs', entry, { token: writeOnly.secret })).status).toBe(202);
    // Ingest takes keys only: a user's JWT is not a key.
    expectError(await api.post('/v1/logs', entry, { token }), 401, 'UNAUTHORIZED', INVALID_API_KEY);
    expectError(await api.post('/v1/logs', entry), 401, 'UNAUTHORIZED', 'Authentication required');
  });

  it('lets members (and only members) read a project’s logs with their JWT', async () => {
    const outsider = await createTenant();
    const query = `?projectId=${tenant.project.id}`;
    expect((await readLogs(bearer(token), query)).status).toBe(200);
    expectError(await readLogs(bearer(outsider.owner.accessToken), query), 404, 'NOT_FOUND', 'Resource not found');
    vi.setSystemTime(Date.now() + 16 * 60 * 1000);
    expectError(await readLogs(bearer(token), query), 401, 'UNAUTHORIZED', 'Token expired');
  });

  it('records when a key was last used', async () => {
    const key = await createApiKey(token, tenant.workspace.id, tenant.project.id);
    await principalOf('requireApiKey', bearer(key.secret));
    const listed = (await api.get(keysPath, { token })).body.data.find((k: { id: string }) => k.id === key.id);
    expect(listed.lastUsedAt).not.toBeNull();
  });

  it('writes last use at most once a minute per key', async () => {
    const key = await createApiKey(token, tenant.workspace.id, tenant.project.id);
    const lastUsedAt = async () => (await api.get(keysPath, { token })).body.data.find((k: { id: string }) => k.id === key.id).lastUsedAt;
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    await principalOf('requireApiKey', bearer(key.secret));
    const first = await lastUsedAt();
    expect(first).toBe(new Date(start).toISOString());
    vi.setSystemTime(start + 30_000);
    await principalOf('requireApiKey', bearer(key.secret));
    expect(await lastUsedAt()).toBe(first);
    vi.setSystemTime(start + 61_000);
    await principalOf('requireApiKey', bearer(key.secret));
    expect(await lastUsedAt()).toBe(new Date(start + 61_000).toISOString());
  });

  it('stops a revoked key on the very next request', async () => {
    const key = await createApiKey(token, tenant.workspace.id, tenant.project.id);
    expect((await readLogs(bearer(key.secret))).status).toBe(200);
    const revoked = await api.delete(`${keysPath}/${key.id}`, { token });
    expect(revoked.body.data).toEqual({ id: key.id, deleted: true });
    expectError(await readLogs(bearer(key.secret)), 401, 'UNAUTHORIZED', INVALID_API_KEY);
    expectError(await readLogs({ 'X-API-Key': key.secret }), 401, 'UNAUTHORIZED', INVALID_API_KEY);
    expectError(await api.post('/v1/logs', { level: 'info', message: 'hi' }, { token: key.secret }), 401, 'UNAUTHORIZED', INVALID_API_KEY);
    expect((await api.get(keysPath, { token })).body.data.map((k: { id: string }) => k.id)).not.toContain(key.id);
    expectError(await api.delete(`${keysPath}/${key.id}`, { token }), 404, 'NOT_FOUND', 'Resource not found');
  });

  it('cannot revoke another project’s key through this project', async () => {
    const sibling = await createProject(token, tenant.workspace.id);
    const siblingKey = await createApiKey(token, tenant.workspace.id, sibling.id);
    expectError(await api.delete(`${keysPath}/${siblingKey.id}`, { token }), 404, 'NOT_FOUND');
    expect((await readLogs(bearer(siblingKey.secret))).status).toBe(200);
  });
});

describe('deletion cascades', () => {
  const countWhere = async (sql: string, ...values: string[]) =>
    (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${sql}`)
      .bind(...values)
      .first<number>('n')) ?? 0;
  const addLogEntry = (secret: string) => ingestAndStore(secret, { level: 'info', message: 'hello' });

  it('deleting a project removes its keys at once and its log entries with the purge, and nothing of its siblings', async () => {
    const tenant = await createTenant();
    const token = tenant.owner.accessToken;
    const sibling = await createProject(token, tenant.workspace.id);
    const siblingKey = await createApiKey(token, tenant.workspace.id, sibling.id);
    await addLogEntry(tenant.key.secret);
    await addLogEntry(siblingKey.secret);
    const path = `/v1/workspaces/${tenant.workspace.id}/projects/${tenant.project.id}`;
    expect((await api.delete(path, { token })).body.data).toEqual({ id: tenant.project.id, deleted: true });
    expectError(await api.get(path, { token }), 404, 'NOT_FOUND');
    expectError(await readLogs(bearer(tenant.key.secret)), 401, 'UNAUTHORIZED', INVALID_API_KEY);
    expectError(await api.get(`/v1/logs?projectId=${tenant.project.id}`, { token }), 404, 'NOT_FOUND');
    expect(await countWhere('api_keys WHERE project_id = ?', tenant.project.id)).toBe(0);
    await purgeNow([tenant.project.id]);
    expect(await storedCount(tenant.project.id)).toBe(0);
    expect(await storedCount(sibling.id)).toBe(1);
    expect((await readLogs(bearer(siblingKey.secret))).body.data.entries).toHaveLength(1);
  });

  it('deleting a workspace removes its members, projects, keys and (with the purge) log entries, and frees its slug', async () => {
    const tenant = await createTenant();
    const token = tenant.owner.accessToken;
    const member = await signUp();
    await addMember(token, tenant.workspace.id, member, 'admin');
    const second = await createProject(token, tenant.workspace.id);
    const secondKey = await createApiKey(token, tenant.workspace.id, second.id);
    await addLogEntry(tenant.key.secret);
    await addLogEntry(secondKey.secret);
    const bystander = await createTenant();
    await addLogEntry(bystander.key.secret);

    const res = await api.delete(`/v1/workspaces/${tenant.workspace.id}`, { token });
    expect(res.body.data).toEqual({ id: tenant.workspace.id, deleted: true });
    expectError(await api.get(`/v1/workspaces/${tenant.workspace.id}`, { token }), 404, 'NOT_FOUND');
    expect((await api.get('/v1/workspaces', { token: member.accessToken })).body.data).toEqual([]);
    expectError(await readLogs(bearer(tenant.key.secret)), 401, 'UNAUTHORIZED', INVALID_API_KEY);
    for (const table of ['projects', 'workspace_members'])
      expect(await countWhere(`${table} WHERE workspace_id = ?`, tenant.workspace.id)).toBe(0);
    await purgeNow([tenant.project.id, second.id]);
    for (const projectId of [tenant.project.id, second.id]) {
      expect(await countWhere('api_keys WHERE project_id = ?', projectId)).toBe(0);
      expect(await storedCount(projectId)).toBe(0);
    }
    // Other tenants are untouched.
    expect(await storedCount(bystander.project.id)).toBe(1);
    expect((await readLogs(bearer(bystander.key.secret))).body.data.entries).toHaveLength(1);
    // The slug is free again.
    expect((await createWorkspace(token, { slug: tenant.workspace.slug })).slug).toBe(tenant.workspace.slug);
  }, 30_000);
});
