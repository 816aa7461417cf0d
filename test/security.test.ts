// The security regression suite, in one place (issue 8): access tokens (forged, expired, misplaced)
// on every operation that takes one, refresh-token reuse, cross-tenant ids on every route that
// names a tenant's resource (the list comes from the contract), secrets and internals absent from
// every response this suite sees, the user-enumeration rules of the seed, and the regression tests
// of the fuzzer's findings. Every response is contract-checked (test/support/http.ts).
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../generated/errors';
import { ingestAndStore } from './logs.support';
import { type BadCredential, contract, OPERATIONS, type Operation } from './support/fuzz-contract';
import { badCredentialHeaders, LEAK_PATTERNS, SECRET_WORDS } from './support/fuzz-world';
import { type ApiResponse, api, expectError, type RequestOptions, request } from './support/http';
import { addMember, createTenant, type Tenant } from './support/tenancy';
import { type SignedUpUser, signUp, uniqueEmail } from './support/users';

// ---------------------------------------------------------------------------------------------
// Every response the suite sees is kept, for the secret and leak scans at the end.
// ---------------------------------------------------------------------------------------------

const seen: { what: string; res: ApiResponse }[] = [];
const keep = (what: string, res: ApiResponse) => (seen.push({ what, res }), res);
const send = async (method: string, path: string, options: RequestOptions = {}) =>
  keep(`${method} ${path}`, await request(method, path, options));

// The fixtures' own requests (sign-up, workspaces, keys) go through `api`; they are kept too.
const original = { ...api };
beforeAll(() => {
  api.get = async (path, options) => keep(`GET ${path}`, await original.get(path, options));
  api.post = async (path, body, options) => keep(`POST ${path}`, await original.post(path, body, options));
  api.patch = async (path, body, options) => keep(`PATCH ${path}`, await original.patch(path, body, options));
  api.delete = async (path, options) => keep(`DELETE ${path}`, await original.delete(path, options));
});
afterAll(() => {
  Object.assign(api, original);
});

// ---------------------------------------------------------------------------------------------
// Two tenants: an owner, a member, a workspace, a project and a key (both scopes) each.
// ---------------------------------------------------------------------------------------------

type World = Tenant & { member: SignedUpUser; invitationId: string };
let A: World;
let B: World;

async function tenant(): Promise<World> {
  const [owner, member] = await Promise.all([signUp({ name: 'Owner' }), signUp({ name: 'Member' })]);
  const base = await createTenant(owner);
  await addMember(owner.accessToken, base.workspace.id, member, 'member');
  const invitation = await api.post(
    `/v1/workspaces/${base.workspace.id}/invitations`,
    { email: uniqueEmail('invitee'), role: 'member' },
    { token: owner.accessToken },
  );
  return { ...base, member, invitationId: invitation.body.data.id };
}

beforeAll(async () => {
  [A, B] = await Promise.all([tenant(), tenant()]);
}, 60_000);

type Ids = { workspaceId: string; projectId: string; keyId: string; userId: string; invitationId: string };
const idsOf = (t: World): Ids => ({
  workspaceId: t.workspace.id,
  projectId: t.project.id,
  keyId: t.key.id,
  userId: t.member.user.id,
  invitationId: t.invitationId,
});
/** Ids of the same shape that name nothing. */
const NOBODY: Ids = {
  workspaceId: 'ws_doesnotexist000000000',
  projectId: 'prj_doesnotexist00000000',
  keyId: 'key_doesnotexist00000000',
  userId: 'usr_doesnotexist00000000',
  invitationId: 'inv_doesnotexist00000000',
};

/** The operation's path with these ids (and `github` / `password` for the other parameters). */
const pathOf = (op: Operation, ids: Partial<Ids>) =>
  op.template.replace(
    /\{(\w+)\}/g,
    (_, name: string) =>
      (ids as Record<string, string>)[name] ?? (name === 'provider' ? 'github' : name === 'method' ? 'password' : `{${name}}`),
  );

/** The contract's own example body for the operation (with the ids of the request where it names one). */
const exampleBody = (op: Operation, ids: Partial<Ids>) => {
  const example = op.body?.example as Record<string, unknown> | undefined;
  return example && 'userId' in example && ids.userId ? { ...example, userId: ids.userId } : example;
};

const sendAs = (op: Operation, ids: Partial<Ids>, auth: RequestOptions) =>
  send(op.method, pathOf(op, ids), { ...auth, body: exampleBody(op, ids) });

/** Status, code and message: what a client can tell two answers apart by (not the request id or time). */
const answer = (res: ApiResponse) => ({
  status: res.status,
  body: { ...res.body, meta: undefined, error: res.body?.error && { ...res.body.error, requestId: undefined } },
});

// ---------------------------------------------------------------------------------------------
// Access tokens
// ---------------------------------------------------------------------------------------------

/** Broken access tokens and what each must get: the seed's 401s. */
const BROKEN_TOKENS: [BadCredential, string][] = [
  ['algNone', ERRORS.invalidToken.message],
  ['wrongKey', ERRORS.invalidToken.message],
  ['hs512', ERRORS.invalidToken.message],
  ['wrongAudience', ERRORS.invalidToken.message],
  ['wrongIssuer', ERRORS.invalidToken.message],
  ['missingSid', ERRORS.invalidToken.message],
  ['garbage', ERRORS.invalidToken.message],
  ['expired', ERRORS.tokenExpired.message],
];

/** Every operation of the contract that accepts a user's access token. */
const USER_OPERATIONS = OPERATIONS.filter((op) => op.auth.has('user'));

describe('access tokens', () => {
  it('are accepted by the operations the contract says (and the list is not empty)', () => {
    expect(USER_OPERATIONS.length).toBeGreaterThan(20);
    expect(USER_OPERATIONS.map((op) => op.id)).toEqual(
      expect.arrayContaining(['getMe', 'logout', 'createWorkspace', 'revokeApiKey', 'queryLogs', 'startOAuth']),
    );
  });

  it.each(USER_OPERATIONS.map((op) => [op.id, op] as const))(
    '%s refuses alg:none, a wrong key or algorithm, a wrong audience or issuer, a missing sid, garbage and an expired token',
    async (_, op) => {
      for (const [what, message] of BROKEN_TOKENS) {
        const res = await sendAs(op, idsOf(A), { headers: await badCredentialHeaders(what, A.owner.user.id) });
        try {
          expectError(res, 401, 'UNAUTHORIZED', message);
        } catch (error) {
          throw new Error(`${what}: ${(error as Error).message}`);
        }
      }
    },
  );

  it.each(USER_OPERATIONS.filter((op) => !op.auth.has('none')).map((op) => [op.id, op] as const))(
    '%s needs a token at all: "Authentication required"',
    async (_, op) => {
      expectError(await sendAs(op, idsOf(A), {}), 401, 'UNAUTHORIZED', ERRORS.authenticationRequired.message);
      expectError(
        await sendAs(op, idsOf(A), { headers: { Authorization: 'Basic dXNlcjpwYXNz' } }),
        401,
        'UNAUTHORIZED',
        ERRORS.authenticationRequired.message,
      );
    },
  );

  it.each(USER_OPERATIONS.filter((op) => !op.auth.has('apiKey')).map((op) => [op.id, op] as const))(
    '%s takes no API key in place of a user token',
    async (_, op) => {
      expectError(await sendAs(op, idsOf(A), { token: A.key.secret }), 401, 'UNAUTHORIZED', ERRORS.invalidToken.message);
      expectError(await sendAs(op, idsOf(A), { headers: { 'X-API-Key': A.key.secret } }), 401, 'UNAUTHORIZED', ERRORS.invalidToken.message);
    },
  );

  it('ingest takes no user token, valid or not, in place of a key', async () => {
    const ingest = OPERATIONS.find((op) => op.id === 'ingestLogs')!;
    expectError(await sendAs(ingest, {}, { token: A.owner.accessToken }), 401, 'UNAUTHORIZED', ERRORS.invalidApiKey.message);
    expectError(
      await sendAs(ingest, {}, { headers: await badCredentialHeaders('algNone', A.owner.user.id) }),
      401,
      'UNAUTHORIZED',
      ERRORS.invalidApiKey.message,
    );
  });
});

describe('refresh tokens', () => {
  const refresh = (refreshToken: string) => send('POST', '/v1/auth/refresh', { body: { refreshToken } });

  it('reusing a rotated token revokes the whole family, and only that family', async () => {
    const user = await signUp();
    const other = await send('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } });
    const first = await refresh(user.refreshToken);
    const second = await refresh(first.body.data.refreshToken);
    expect([first.status, second.status]).toEqual([200, 200]);
    // The first token again: a replay. Everything descended from it stops working.
    expectError(await refresh(user.refreshToken), 401, 'UNAUTHORIZED', ERRORS.invalidToken.message);
    expectError(await refresh(second.body.data.refreshToken), 401, 'UNAUTHORIZED', ERRORS.invalidToken.message);
    // Another sign-in of the same user is another family.
    expect((await refresh(other.body.data.refreshToken)).status).toBe(200);
  });

  it('logout revokes the family of the caller', async () => {
    const user = await signUp();
    expect((await send('POST', '/v1/auth/logout', { token: user.accessToken })).status).toBe(200);
    expectError(await refresh(user.refreshToken), 401, 'UNAUTHORIZED', ERRORS.invalidToken.message);
  });
});

// ---------------------------------------------------------------------------------------------
// Tenancy
// ---------------------------------------------------------------------------------------------

const CHILD_PARAMS = ['projectId', 'keyId', 'userId', 'invitationId'];
/** Every operation of the contract whose path names a tenant's workspace (and maybe a project, key, member or invitation in it). */
const SCOPED = OPERATIONS.filter((op) => op.pathParams.some((p) => p.name === 'workspaceId'));
/** …of which those that name something inside the workspace (in the path, or the member in the body). */
const WITH_CHILD = SCOPED.filter((op) => op.pathParams.some((p) => CHILD_PARAMS.includes(p.name)) || op.id === 'transferOwnership');

describe('cross-tenant ids', () => {
  it('are tried on every route of the contract that names a workspace, project, key, member or invitation', () => {
    const underWorkspace = Object.entries<Record<string, { operationId: string }>>(contract.paths)
      .filter(([path]) => path.startsWith('/v1/workspaces/{workspaceId}'))
      .flatMap(([, item]) => Object.values(item).map((operation) => operation.operationId));
    expect(SCOPED.map((op) => op.id).sort()).toEqual(underWorkspace.sort());
    expect(WITH_CHILD.length).toBeGreaterThanOrEqual(10);
  });

  it.each(SCOPED.map((op) => [op.id, op] as const))(
    "%s: another tenant's ids are 404 NOT_FOUND, answered exactly as ids that do not exist",
    async (_, op) => {
      const foreign = await sendAs(op, idsOf(A), { token: B.owner.accessToken });
      expectError(foreign, 404, 'NOT_FOUND', ERRORS.notFound.message);
      // Nothing tells an outsider that the ids exist.
      expect(answer(await sendAs(op, NOBODY, { token: B.owner.accessToken }))).toEqual(answer(foreign));
      // A member of the other tenant is no better placed than its owner.
      expectError(await sendAs(op, idsOf(A), { token: B.member.accessToken }), 404, 'NOT_FOUND', ERRORS.notFound.message);
    },
  );

  it.each(WITH_CHILD.map((op) => [op.id, op] as const))(
    "%s: another tenant's project, key, member or invitation under one's own workspace is 404 NOT_FOUND",
    async (_, op) => {
      const ids = { ...idsOf(B), workspaceId: A.workspace.id };
      expectError(await sendAs(op, ids, { token: A.owner.accessToken }), 404, 'NOT_FOUND', ERRORS.notFound.message);
      // Own project, other tenant's key.
      if (op.pathParams.some((p) => p.name === 'keyId'))
        expectError(
          await sendAs(op, { ...idsOf(A), keyId: B.key.id }, { token: A.owner.accessToken }),
          404,
          'NOT_FOUND',
          ERRORS.notFound.message,
        );
    },
  );

  it("an API key of project A cannot read project B's logs, whichever header carries it", async () => {
    const [ownIds] = await Promise.all([
      ingestAndStore(A.key.secret, { level: 'info', message: 'project A entry' }),
      ingestAndStore(B.key.secret, { level: 'info', message: 'project B entry' }),
    ]);
    const path = `/v1/logs?projectId=${B.project.id}`;
    expectError(await send('GET', path, { token: A.key.secret }), 404, 'NOT_FOUND', ERRORS.notFound.message);
    expectError(await send('GET', path, { headers: { 'X-API-Key': A.key.secret } }), 404, 'NOT_FOUND', ERRORS.notFound.message);
    expectError(await send('GET', `${path}&source=kv`, { token: A.key.secret }), 404, 'NOT_FOUND', ERRORS.notFound.message);
    // Its own project, named or not, is fine, and shows exactly its own entry. (Guards dropped project
    // scoping: an `every(...)` over entries could not fail while the project had none.)
    for (const query of [`?projectId=${A.project.id}`, '', '?source=kv']) {
      const own = await send('GET', `/v1/logs${query}`, { token: A.key.secret });
      expect(own.body.data.entries.map((e: { id: string; projectId: string }) => [e.id, e.projectId])).toEqual([[ownIds[0], A.project.id]]);
    }
  });

  it('a user cannot read the logs of a project outside their workspaces: 404, as for one that does not exist', async () => {
    const foreign = await send('GET', `/v1/logs?projectId=${B.project.id}`, { token: A.owner.accessToken });
    expectError(foreign, 404, 'NOT_FOUND', ERRORS.notFound.message);
    expect(answer(await send('GET', `/v1/logs?projectId=${NOBODY.projectId}`, { token: A.owner.accessToken }))).toEqual(answer(foreign));
  });
});

// ---------------------------------------------------------------------------------------------
// User enumeration
// ---------------------------------------------------------------------------------------------

describe('user enumeration', () => {
  it.each(['/v1/auth/forgot-password', '/v1/auth/magic-link'])('%s answers a known and an unknown address identically', async (path) => {
    const known = await send('POST', path, { body: { email: A.owner.email } });
    const unknown = await send('POST', path, { body: { email: uniqueEmail('nobody') } });
    expect(known.status).toBe(200);
    expect(answer(unknown)).toEqual(answer(known));
    expect([...unknown.headers.keys()].sort()).toEqual([...known.headers.keys()].sort());
  });

  it('login fails alike for an unknown address, a wrong password and an unverified account with a wrong password', async () => {
    const unverified = uniqueEmail('unverified');
    await send('POST', '/v1/auth/register', { body: { email: unverified, password: 'correct-horse-battery', name: 'U' } });
    const answers = await Promise.all([
      send('POST', '/v1/auth/login', { body: { email: uniqueEmail('nobody'), password: 'whatever-password' } }),
      send('POST', '/v1/auth/login', { body: { email: A.owner.email, password: 'whatever-password' } }),
      send('POST', '/v1/auth/login', { body: { email: unverified, password: 'whatever-password' } }),
    ]);
    expectError(answers[0], 401, 'AUTH_FAILED', ERRORS.invalidCredentials.message);
    expect(answers.map(answer)).toEqual([answer(answers[0]), answer(answers[0]), answer(answers[0])]);
  });
});

// ---------------------------------------------------------------------------------------------
// Findings of the contract fuzzer (test/fuzz/contract.test.ts)
// ---------------------------------------------------------------------------------------------

const LONE_SURROGATES = '\uD800'.repeat(40);

describe('fuzzer findings', () => {
  // F1 (fixed in 7529221): @hono/zod-openapi's HTTPException 415 for a body of another media type
  // (or a body without a Content-Type) fell through src/middleware/errors.ts to a 500.
  it('F1: a JSON operation refuses a body sent as text/plain, as a form, or without a Content-Type with 400, not 500', async () => {
    const body = JSON.stringify({ email: A.owner.email, password: 'whatever-password' });
    for (const headers of [
      { 'Content-Type': 'text/plain' },
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      { 'Content-Type': 'application/json, text/plain' },
      {},
    ] as Record<string, string>[]) {
      expectError(
        await send('POST', '/v1/auth/login', { rawBody: body, headers }),
        400,
        'VALIDATION_ERROR',
        ERRORS.unsupportedMediaType.message,
      );
    }
    // Credentials are still checked first.
    expectError(
      await send('PATCH', '/v1/me', { rawBody: '{"name":"x"}', headers: { 'Content-Type': 'text/plain' } }),
      401,
      'UNAUTHORIZED',
      ERRORS.authenticationRequired.message,
    );
  });

  // F2 (fixed in src/middleware/errors.ts): lone UTF-16 surrogates passed validation, were written to
  // D1 as WTF-8 and read back as three U+FFFD each; 34+ of them in a name broke every response (500).
  it('F2: lone surrogates in a name are refused with 400, and nothing is stored', async () => {
    const user = await signUp({ name: 'Before' });
    expectError(
      await send('PATCH', '/v1/me', { token: user.accessToken, body: { name: `a${LONE_SURROGATES}b` } }),
      400,
      'VALIDATION_ERROR',
      ERRORS.invalidInput.message,
    );
    expectError(
      await send('PATCH', '/v1/me', { token: user.accessToken, body: { name: 'a\uDFFFb' } }),
      400,
      'VALIDATION_ERROR',
      ERRORS.invalidInput.message,
    );
    const me = await send('GET', '/v1/me', { token: user.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.data.name).toBe('Before');
  });

  // F4 (fixed in src/middleware/auth.ts): requireUser trusted any correctly signed token without
  // looking the user up, so creating a workspace for a user that does not exist hit a foreign key (500).
  it('F4: a correctly signed token for a user that does not exist is 401 "Invalid token" everywhere', async () => {
    const headers = await badCredentialHeaders('ghostUser', 'usr_unused');
    expectError(await send('GET', '/v1/me', { headers }), 401, 'UNAUTHORIZED', ERRORS.invalidToken.message);
    expectError(
      await send('POST', '/v1/workspaces', { headers, body: { name: 'Ghost', slug: 'ghost-workspace' } }),
      401,
      'UNAUTHORIZED',
      ERRORS.invalidToken.message,
    );
  });

  // F3 (fixed in src by cd53090): a state of 256 two-byte characters made a KV key over 512 bytes.
  it('F3: an OAuth callback with a long non-ASCII state is 401 AUTH_FAILED, not 500', async () => {
    const res = await send('GET', `/v1/auth/oauth/github/callback?code=abc&state=${encodeURIComponent('é'.repeat(256))}`);
    expectError(res, 401, 'AUTH_FAILED', ERRORS.oauthFailed.message);
  });
});

// ---------------------------------------------------------------------------------------------
// Secrets and internals: scanned over every response above (so these run last).
// ---------------------------------------------------------------------------------------------

describe('every response this suite saw', () => {
  it('saw enough to mean something', () => {
    expect(seen.length).toBeGreaterThan(300);
    expect(seen.some(({ res }) => res.status >= 400)).toBe(true);
  });

  it('carries no API key secret after its creation, no password hash, salt or token hash, and no server secret', async () => {
    const created = seen
      .filter(({ what, res }) => /\/api-keys$/.test(what) && res.status === 201)
      .map(({ res }) => res.body.data.secret as string);
    expect(created.length).toBeGreaterThanOrEqual(2);
    const column = async (sql: string) =>
      (await env.DB.prepare(sql).all<{ v: string | null }>()).results.map((r) => r.v).filter((v): v is string => !!v);
    const passwordHashes = await column('SELECT password_hash AS v FROM users');
    const secrets = [
      ...passwordHashes,
      ...passwordHashes.flatMap((h) => h.split('$').slice(2)), // salt and hash
      ...(await column('SELECT token_hash AS v FROM one_time_tokens')),
      ...(await column('SELECT token_hash AS v FROM refresh_tokens')),
      ...(await column('SELECT secret_hash AS v FROM api_keys')),
      env.JWT_SECRET,
      env.GITHUB_CLIENT_SECRET,
      env.GOOGLE_CLIENT_SECRET,
      env.MAIL_API_KEY,
    ].filter((s) => s && s.length >= 8);
    expect(secrets.length).toBeGreaterThan(10);
    for (const { what, res } of seen) {
      for (const secret of secrets)
        if (res.text.includes(secret)) throw new Error(`${what} → ${res.status} carries a stored secret (${secret.slice(0, 8)}…)`);
      expect(res.text, what).not.toMatch(SECRET_WORDS);
      // A key's secret appears in exactly one response: the one that created it.
      for (const secret of created)
        if (res.text.includes(secret) && !(/\/api-keys$/.test(what) && res.status === 201 && res.body.data.secret === secret))
          throw new Error(`${what} → ${res.status} repeats an API key secret`);
    }
  });

  it('carries no stack trace, SQL or exception text', () => {
    for (const { what, res } of seen) {
      for (const pattern of LEAK_PATTERNS)
        if (pattern.test(res.text)) throw new Error(`${what} → ${res.status} matches ${pattern}: ${res.text.slice(0, 300)}`);
    }
  });
});
