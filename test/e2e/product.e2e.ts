// End to end: the typed client → Prism (`prism proxy --errors`, checking every request and response
// against generated/openapi.internal.json) → `wrangler dev` (the real Worker with local D1, KV,
// Queues, R2 and Durable Objects) → a fake OAuth provider on loopback.
//
//   worker A  generous rate limits; behind two Prisms: "strict" (validates requests too: every
//             well-formed call goes through it) and "lenient" (--validate-request=false: for the
//             deliberately invalid requests, which a strict Prism would refuse itself with 422)
//   worker B  3 requests a minute per group, behind its own strict Prism: the 429s
//   canary    a Prism in front of a stub that breaks the contract, proving violations are seen
//
// Two calls bypass Prism, with the reason at each: startOAuth (Prism's proxy follows redirects,
// stoplightio/prism#1977) and calls without any credential (Prism answers those 401 itself). Their
// responses are checked with the suites' independent validator (test/support/contract.ts).
//
// The bar: no response carries `sl-violations`, Prism never answers in the Worker's place, its logs
// hold no error, warning or violation, and the client never reports an error of kind `contract`.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decode, sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createLoglaneClient, type LoglaneClient, type LoglaneClientOptions, type Session } from '../../src/client/index.ts';
import { createLoglaneClient as createValidatingClient } from '../../src/client/validate.ts';
import { assertMatchesContract, operationFor } from '../support/contract.ts';
import {
  type Exchange,
  type FakeProvider,
  freePort,
  JWT_SECRET,
  migratedStateDirs,
  oauthGrant,
  objections,
  type Prism,
  recordingFetch,
  ROOT,
  startFakeProvider,
  startPrism,
  startWorker,
  type Worker,
} from './harness.ts';

// --- the stack ----------------------------------------------------------------------------------

const exchanges: Exchange[] = [];
const contractErrors: string[] = [];
/** Stops processes and servers (all at once), then `lastly` removes what they used. */
const cleanups: (() => Promise<unknown>)[] = [];
const lastly: (() => Promise<unknown>)[] = [];

let fake: FakeProvider;
let workerA: Worker;
let strict: Prism;
let lenient: Prism;
let throttled: Prism;
let canary: Prism | undefined;
let canaryStub: Server | undefined;

const GENEROUS = { RATE_LIMIT_AUTH_PER_MINUTE: '100000', RATE_LIMIT_EMAIL_PER_MINUTE: '100000', RATE_LIMIT_API_PER_MINUTE: '100000', RATE_LIMIT_INGEST_PER_MINUTE: '100000' };
const LOW_LIMIT = 3;
const LOW = { RATE_LIMIT_AUTH_PER_MINUTE: String(LOW_LIMIT), RATE_LIMIT_API_PER_MINUTE: String(LOW_LIMIT), RATE_LIMIT_INGEST_PER_MINUTE: String(LOW_LIMIT) };

/** A stub that answers every request with a health body the contract refuses (and no X-Request-Id). */
async function startCanaryStub(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ success: true, data: { status: 'degraded' }, error: null, meta: { timestamp: 'yesterday' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** Runs every task to the end (so that nothing is still starting when a failure stops the rest), then throws the first failure. */
async function all(tasks: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(tasks)).find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

beforeAll(async () => {
  const started = Date.now();
  try {
    fake = await startFakeProvider();
    cleanups.push(() => fake.close());
    const secrets = { JWT_SECRET, ...fake.secrets, MAIL_API_URL: '', MAIL_API_KEY: '', MAIL_FROM: '' };
    // The strict Prism's address is the API's public one (OAuth redirect_uri, links in mails).
    const strictPort = await freePort();
    const state = migratedStateDirs(['a', 'b']).then((dirs) => {
      lastly.push(() => dirs.remove());
      return dirs.dirs;
    });

    const stackA = async () => {
      const vars = { ENVIRONMENT: 'development', PUBLIC_BASE_URL: `http://127.0.0.1:${strictPort}`, ...GENEROUS, ...fake.vars };
      workerA = await startWorker('a', (await state).a, vars, secrets);
      cleanups.push(() => workerA.stop());
      await all([
        startPrism('strict', workerA.url, { port: strictPort }).then((prism) => {
          strict = prism;
          cleanups.push(() => prism.stop());
        }),
        startPrism('lenient', workerA.url, { validateRequest: false }).then((prism) => {
          lenient = prism;
          cleanups.push(() => prism.stop());
        }),
      ]);
    };
    const stackB = async () => {
      const worker = await startWorker('b', (await state).b, { ENVIRONMENT: 'development', ...LOW, ...fake.vars }, secrets);
      cleanups.push(() => worker.stop());
      throttled = await startPrism('throttled', worker.url);
      cleanups.push(() => throttled.stop());
    };
    // The canary needs no Worker: it starts while the state is migrated.
    const stackCanary = async () => {
      const stub = await startCanaryStub();
      canaryStub = stub.server;
      cleanups.push(() => closeServer(stub.server));
      // Any answer means it is listening: the stub's health is a violation by design.
      canary = await startPrism('canary', stub.url, { anyAnswer: true });
      cleanups.push(() => canary!.stop());
    };
    await all([stackA(), stackB(), stackCanary()]);
    console.log(`e2e stack up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    await stopAll();
    throw error;
  }
}, 120_000);

async function stopAll() {
  await Promise.allSettled(cleanups.splice(0).map((cleanup) => cleanup()));
  await Promise.allSettled(lastly.splice(0).map((cleanup) => cleanup()));
}

afterAll(stopAll, 60_000);

// --- clients and assertions ---------------------------------------------------------------------------

type Tokens = Pick<Session, 'accessToken' | 'refreshToken'>;

/** A plain client through the strict Prism (optionally signed in). */
const client = (options: Partial<LoglaneClientOptions> = {}) => createLoglaneClient({ baseUrl: strict.url, fetch: recordingFetch('strict', exchanges), ...options });

/** A client that also validates every response body with the generated zod schemas. */
const validating = (options: Partial<LoglaneClientOptions> = {}) =>
  createValidatingClient({ baseUrl: strict.url, fetch: recordingFetch('strict', exchanges), validateResponses: true, ...options });

/** For deliberately invalid requests: Prism forwards them and still checks the responses. */
const lenientClient = (options: Partial<LoglaneClientOptions> = {}) => createLoglaneClient({ baseUrl: lenient.url, fetch: recordingFetch('lenient', exchanges), ...options });

/**
 * Straight to the Worker, for what Prism cannot proxy faithfully (see the file comment); every
 * response is checked against the contract by test/support/contract.ts instead.
 */
const directClient = (options: Partial<LoglaneClientOptions> = {}) => {
  const record = recordingFetch('direct', exchanges);
  return createLoglaneClient({
    baseUrl: workerA.url,
    ...options,
    fetch: async (input, init) => {
      const response = await record(input, init);
      const text = await response.clone().text();
      const body = response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text;
      assertMatchesContract(init.method ?? 'GET', input, response.status, response.headers, body);
      return response;
    },
  });
};

const as = (session: Tokens, options: Partial<LoglaneClientOptions> = {}) =>
  validating({ accessToken: session.accessToken, refreshToken: session.refreshToken, ...options });

type AnyResult = { data: unknown; error: unknown; status: number | undefined };
type Failure = { kind: string; operation: string; status?: number; code?: string; message: string; violation?: string; issues: readonly string[]; body?: unknown };

function explain(error: Failure): string {
  const issues = error.issues.length ? ` issues: ${error.issues.join('; ')}` : '';
  const body = error.body === undefined ? '' : ` body: ${JSON.stringify(error.body).slice(0, 600)}`;
  return `${error.operation}: ${error.kind} error ${error.status ?? ''} ${error.code ?? error.violation ?? ''} "${error.message}"${issues}${body}`;
}

function noticeContract(result: AnyResult) {
  const error = result.error as Failure | undefined;
  if (error?.kind === 'contract') contractErrors.push(explain(error));
}

/** The data of a success (with `status`, that status); anything else fails with the whole story. */
function ok<R extends AnyResult>(result: R, status?: number): Extract<R, { error: undefined }>['data'] {
  noticeContract(result);
  if (result.error) throw new Error(explain(result.error as Failure));
  if (status !== undefined) expect(result.status).toBe(status);
  return result.data as Extract<R, { error: undefined }>['data'];
}

/** A declared API error with this status and (optionally) code and exact catalog message. */
function fails(result: AnyResult, status: number, code?: string, message?: string): Failure {
  noticeContract(result);
  const error = result.error as Failure | undefined;
  if (!error) throw new Error(`expected ${status} ${code ?? ''}, got a success ${result.status}: ${JSON.stringify(result.data).slice(0, 300)}`);
  if (error.kind !== 'api') throw new Error(explain(error));
  const actual = { status: error.status, ...(code === undefined ? {} : { code: error.code }), ...(message === undefined ? {} : { message: error.message }) };
  expect(actual).toEqual({ status, ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) });
  return error;
}

let counter = 0;
const unique = (label: string) => `${label}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const uniqueEmail = (label: string) => `${unique(label)}@example.com`;
const PASSWORD = 'correct-horse-battery';

type OutboxMessage = { to: string; subject: string; text: string; token?: string; sentAt: string };

/** GET /v1/dev/outbox (x-internal, not in the client) through the strict Prism: the newest mail with a token. */
/** The token of the newest mail matching `subject`; magic-link and reset mail leave after the response, so it waits a little for them. */
async function mailedToken(email: string, subject: RegExp): Promise<string> {
  let text = '';
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await recordingFetch('strict', exchanges)(`${strict.url}/v1/dev/outbox?to=${encodeURIComponent(email)}`, { method: 'GET' });
    text = await response.text();
    expect(response.status, text).toBe(200);
    const mail = (JSON.parse(text).data as OutboxMessage[]).find((message) => subject.test(message.subject) && message.token);
    if (mail?.token) return mail.token;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail matching ${subject} for ${email}: ${text.slice(0, 400)}`);
}

/** register → verification mail → verify-email → login: a verified user with a session. */
async function signUp(label: string, name = 'E2E User'): Promise<{ email: string; session: Session }> {
  const email = uniqueEmail(label);
  ok(await client().register({ body: { email, password: PASSWORD, name } }), 201);
  ok(await client().verifyEmail({ body: { token: await mailedToken(email, /verify/i) } }));
  return { email, session: ok(await client().login({ body: { email, password: PASSWORD } })) };
}

/** An admin's `session` invites the user, who accepts: the only way into a workspace. */
async function join(admin: Session, workspaceId: string, user: { email: string; session: Session }, role: 'admin' | 'member') {
  const invitation = ok(await as(admin).createInvitation({ path: { workspaceId }, body: { email: user.email, role } }), 201);
  return ok(await as(user.session).acceptInvitation({ path: { invitationId: invitation.id } }));
}

/** Calls `call` until it answers 429 (a window boundary in between just means a few more calls). */
async function until429(call: () => Promise<AnyResult>, limit: number) {
  const before: AnyResult[] = [];
  for (let attempt = 0; attempt < 2 * limit + 2; attempt++) {
    const result = await call();
    noticeContract(result);
    if ((result.error as Failure | undefined)?.status === 429) return { before, limited: result };
    before.push(result);
  }
  throw new Error(`no 429 after ${2 * limit + 2} calls: ${before.map((r) => r.status).join(', ')}`);
}

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

// --- the run ------------------------------------------------------------------------------------------

describe('the validator is live', () => {
  it('Prism answers a response that breaks the contract with 500, sl-violations and a log line', async () => {
    const response = await fetch(`${canary!.url}/v1/health`);
    expect(response.status).toBe(500);
    const violations = JSON.parse(response.headers.get('sl-violations') ?? '[]') as { message: string }[];
    expect(violations.map((v) => v.message).join('\n')).toMatch(/required property 'version'/);
    expect(violations.map((v) => v.message).join('\n')).toMatch(/x-request-id/i);
    await response.arrayBuffer();
    // The recorder and the log scan used for the Worker flag it too.
    const log: Exchange[] = [];
    const recorded = await recordingFetch('canary', log)(`${canary!.url}/v1/health`, { method: 'GET' });
    await recorded.arrayBuffer();
    expect(objections(log)).toHaveLength(1);
    await waitFor('the canary log line', async () => (canary!.complaints().length >= 2 ? true : undefined), 5_000);
    await canary!.stop();
    await closeServer(canaryStub!);
  });
});

describe('public documents', () => {
  it('getHealth, getOpenApiDocument and getDocs', async () => {
    const health = ok(await client().getHealth());
    expect(health.status).toBe('ok');

    const document = ok(await client().getOpenApiDocument()) as { openapi: string; paths: Record<string, unknown> };
    const bundled = JSON.parse(readFileSync(`${ROOT}/generated/openapi.json`, 'utf8')) as { paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(document.paths).sort()).toEqual(Object.keys(bundled.paths).sort());
    expect(Object.keys(document.paths)).not.toContain('/v1/dev/outbox');

    const docs = ok(await client().getDocs());
    expect(docs).toMatch(/<html/i);
  });
});

describe('identity', () => {
  const email = uniqueEmail('ada');
  let session: Session;

  it('register, duplicate (409), invalid (400), unverified login (403), verify-email (and again: 401), then login', async () => {
    const user = ok(await client().register({ body: { email, password: PASSWORD, name: 'Ada' } }), 201);
    expect(user).toMatchObject({ email, name: 'Ada', emailVerified: false });
    fails(await client().register({ body: { email, password: PASSWORD, name: 'Ada' } }), 409, 'VALIDATION_ERROR', 'User with this email already exists');
    const invalid = fails(await lenientClient().register({ body: { email: 'not-an-email', password: 'short', name: '' } }), 400, 'VALIDATION_ERROR', 'Invalid input');
    expect(invalid).toMatchObject({ details: expect.arrayContaining([expect.objectContaining({ field: 'email' })]) });
    fails(await client().login({ body: { email, password: PASSWORD } }), 403, 'FORBIDDEN', 'Email verification required');

    const token = await mailedToken(email, /verify/i);
    expect(ok(await client().verifyEmail({ body: { token } }))).toEqual({ message: 'Email verified; sign in to continue' });
    fails(await client().verifyEmail({ body: { token } }), 401, 'AUTH_FAILED', 'Invalid or expired token');
    session = ok(await client().login({ body: { email, password: PASSWORD } }));
    expect(session).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { email, emailVerified: true } });
  });

  it('the development outbox answers 400 for a malformed address', async () => {
    const response = await recordingFetch('lenient', exchanges)(`${lenient.url}/v1/dev/outbox?to=not-an-email`, { method: 'GET' });
    const body = await response.json();
    expect(response.status).toBe(400);
    expect(body).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
  });

  it('login (and 401 for a wrong password), refresh (the old refresh token then 401), logout', async () => {
    fails(await client().login({ body: { email, password: 'wrong-password' } }), 401, 'AUTH_FAILED', 'Invalid email or password');
    const signedIn = ok(await client().login({ body: { email, password: PASSWORD } }));
    const refreshed = ok(await client().refreshSession({ body: { refreshToken: signedIn.refreshToken } }));
    expect(refreshed.refreshToken).not.toBe(signedIn.refreshToken);
    // That replay revoked the session: its refresh token and its access token stop working.
    fails(await client().refreshSession({ body: { refreshToken: signedIn.refreshToken } }), 401, 'UNAUTHORIZED');
    fails(await as(refreshed).getMe(), 401, 'UNAUTHORIZED', 'Invalid token');

    const another = ok(await client().login({ body: { email, password: PASSWORD } }));
    const out = ok(await as(another).logout());
    expect(out).toBeTruthy();
    fails(await client().refreshSession({ body: { refreshToken: another.refreshToken } }), 401, 'UNAUTHORIZED');
    fails(await as(another).getMe(), 401, 'UNAUTHORIZED', 'Invalid token');
  });

  it('magic link: request, verify (and a bad link: 401)', async () => {
    ok(await client().requestMagicLink({ body: { email } }));
    const viaLink = ok(await client().verifyMagicLink({ body: { token: await mailedToken(email, /sign-in link/i) } }));
    expect(viaLink.user.email).toBe(email);
    fails(await client().verifyMagicLink({ body: { token: 'ott_not-a-real-token-0000' } }), 401, 'AUTH_FAILED', 'Invalid or expired magic link');
  });

  it('me: get, update (and 400), an invalid token (401), no token at all (401, straight to the Worker)', async () => {
    const me = ok(await as(session).getMe());
    expect(me.email).toBe(email);
    expect(ok(await as(session).updateMe({ body: { name: 'Ada King' } })).name).toBe('Ada King');
    fails(await lenientClient({ accessToken: session.accessToken }).updateMe({ body: { name: '' } }), 400, 'VALIDATION_ERROR', 'Invalid input');
    fails(await client({ accessToken: 'not.a.jwt' }).getMe(), 401, 'UNAUTHORIZED', 'Invalid token');
    // Prism answers a request without the declared credential 401 itself, never reaching the Worker.
    fails(await directClient().getMe(), 401, 'UNAUTHORIZED', 'Authentication required');
  });

  it('forgot and reset password (a reused reset token: 401), then only the new password works', async () => {
    ok(await client().forgotPassword({ body: { email } }));
    ok(await client().forgotPassword({ body: { email: uniqueEmail('nobody') } })); // same answer for unknown addresses
    const token = await mailedToken(email, /reset/i);
    ok(await client().resetPassword({ body: { token, password: 'a-brand-new-password' } }));
    fails(await client().resetPassword({ body: { token, password: 'a-brand-new-password' } }), 401, 'AUTH_FAILED', 'Invalid or expired token');
    fails(await client().login({ body: { email, password: PASSWORD } }), 401, 'AUTH_FAILED');
    ok(await client().login({ body: { email, password: 'a-brand-new-password' } }));
  });
});

describe('OAuth against the fake provider', () => {
  /**
   * startOAuth goes straight to the Worker: Prism's proxy follows the 302 to the provider
   * (stoplightio/prism#1977) and would validate the provider's answer instead.
   */
  async function start(provider: string, session?: Tokens): Promise<{ location: URL; cookie: string }> {
    const result = await directClient(session ? { accessToken: session.accessToken } : {}).startOAuth({ path: { provider } });
    ok(result, 302);
    // The browser keeps the flow's __Host- cookie and sends it with the provider's redirect back.
    return { location: new URL(result.response!.headers.get('Location')!), cookie: result.response!.headers.get('Set-Cookie')!.split(';')[0] };
  }

  /** What the provider sends back to the callback (a code standing for the grant, and the state), from the browser holding the flow's cookie. */
  const authorize = ({ location, cookie }: { location: URL; cookie: string }, grant: { accountId?: string; email?: string } = {}) => ({
    query: oauthGrant(location, { email: uniqueEmail('oauth'), ...grant }),
    headers: { Cookie: cookie },
  });

  it('signs up a new user with GitHub; the state works once; the only method cannot be unlinked', async () => {
    const flow = await start('github');
    expect(`${flow.location.origin}${flow.location.pathname}`).toBe(`${fake.url}/github/authorize`);
    const grant = authorize(flow);
    // Without the cookie (another browser) the callback finishes nothing.
    fails(await client().oauthCallback({ path: { provider: 'github' }, query: grant.query }), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
    const again = authorize(await start('github'));
    const session = ok(await client().oauthCallback({ path: { provider: 'github' }, ...again }));
    expect(session.user).toMatchObject({ name: 'Octo Cat', emailVerified: true });
    expect(fake.requests).toEqual(expect.arrayContaining(['POST /github/token', 'GET /github/user', 'GET /github/emails']));

    fails(await client().oauthCallback({ path: { provider: 'github' }, ...again }), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
    expect(ok(await as(session).listAuthMethods()).map((m) => m.method)).toEqual(['github']);
    fails(await as(session).unlinkAuthMethod({ path: { method: 'github' } }), 403, 'FORBIDDEN', 'Cannot remove last auth method');
  });

  it('an unsupported provider (400) and an invalid token (401) are answered before any redirect', async () => {
    fails(await client().startOAuth({ path: { provider: 'twitter' } }), 400, 'VALIDATION_ERROR', 'Unsupported OAuth provider');
    fails(await client({ accessToken: 'garbage' }).startOAuth({ path: { provider: 'github' } }), 401, 'UNAUTHORIZED', 'Invalid token');
  });

  it('links Google to a signed-in user, lists it, unlinks it (then 404)', async () => {
    const { session } = await signUp('linker');
    const linked = ok(await client().oauthCallback({ path: { provider: 'google' }, ...authorize(await start('google', session)) }));
    expect(linked.user.id).toBe(session.user.id);
    expect(fake.requests).toEqual(expect.arrayContaining(['POST /google/token', 'GET /google/userinfo']));
    expect(
      ok(await as(session).listAuthMethods())
        .map((m) => m.method)
        .sort(),
    ).toEqual(['google', 'password']);
    ok(await as(session).unlinkAuthMethod({ path: { method: 'google' } }));
    fails(await as(session).unlinkAuthMethod({ path: { method: 'google' } }), 404, 'NOT_FOUND', 'Resource not found');
  });
});

describe('workspaces, members, projects and API keys (validating client)', () => {
  let owner: { email: string; session: Session };
  let colleague: { email: string; session: Session };
  let outsider: { email: string; session: Session };
  let workspaceId: string;
  let projectId: string;

  it('sets up three users', async () => {
    [owner, colleague, outsider] = [await signUp('owner', 'Owner'), await signUp('colleague', 'Colleague'), await signUp('outsider', 'Outsider')];
  });

  it('workspaces: create (a taken slug: 409, a bad one: 400), list, get (another tenant: 404), update', async () => {
    const slug = unique('ws');
    const workspace = ok(await as(owner.session).createWorkspace({ body: { name: 'Acme', slug } }), 201);
    workspaceId = workspace.id;
    expect(workspace).toMatchObject({ slug, role: 'owner' });
    fails(await as(owner.session).createWorkspace({ body: { name: 'Acme', slug } }), 409, 'VALIDATION_ERROR', 'Slug already taken');
    fails(await lenientClient({ accessToken: owner.session.accessToken }).createWorkspace({ body: { name: 'Acme', slug: 'NOT A SLUG' } }), 400, 'VALIDATION_ERROR');

    expect(ok(await as(owner.session).listWorkspaces()).map((w) => w.id)).toContain(workspaceId);
    expect(ok(await as(owner.session).getWorkspace({ path: { workspaceId } })).name).toBe('Acme');
    fails(await as(outsider.session).getWorkspace({ path: { workspaceId } }), 404, 'NOT_FOUND', 'Resource not found');
    expect(ok(await as(owner.session).updateWorkspace({ path: { workspaceId }, body: { name: 'Acme Inc' } })).name).toBe('Acme Inc');
  });

  it('members: invite (an unknown address alike), accept (then again: 409), list, role checks (403), promote, transfer ownership, remove', async () => {
    const invited = ok(await as(owner.session).createInvitation({ path: { workspaceId }, body: { email: colleague.email, role: 'member' } }), 201);
    expect(invited).toMatchObject({ email: colleague.email, role: 'member', workspaceName: 'Acme Inc' });
    const ghost = ok(await as(owner.session).createInvitation({ path: { workspaceId }, body: { email: uniqueEmail('ghost'), role: 'member' } }), 201);
    expect(ok(await as(owner.session).listInvitations({ path: { workspaceId } })).map((i) => i.id)).toEqual([invited.id, ghost.id]);
    ok(await as(owner.session).revokeInvitation({ path: { workspaceId, invitationId: ghost.id } }));
    const declined = ok(await as(owner.session).createInvitation({ path: { workspaceId }, body: { email: outsider.email, role: 'admin' } }), 201);
    expect(ok(await as(outsider.session).declineInvitation({ path: { invitationId: declined.id } }))).toEqual({ id: declined.id, deleted: true });
    fails(await as(outsider.session).getWorkspace({ path: { workspaceId } }), 404, 'NOT_FOUND');
    expect(ok(await as(colleague.session).listMyInvitations()).map((i) => i.id)).toEqual([invited.id]);
    expect(ok(await as(colleague.session).acceptInvitation({ path: { invitationId: invited.id } })).role).toBe('member');
    fails(await as(owner.session).createInvitation({ path: { workspaceId }, body: { email: colleague.email, role: 'member' } }), 409, 'VALIDATION_ERROR', 'User is already a member');
    expect(ok(await as(colleague.session).listMembers({ path: { workspaceId } })).map((m) => m.role).sort()).toEqual(['member', 'owner']);

    fails(await as(colleague.session).updateWorkspace({ path: { workspaceId }, body: { name: 'Mine' } }), 403, 'FORBIDDEN', 'Insufficient role');
    fails(await as(colleague.session).createProject({ path: { workspaceId }, body: { name: 'P', slug: unique('p') } }), 403, 'FORBIDDEN', 'Insufficient role');

    expect(ok(await as(owner.session).updateMember({ path: { workspaceId, userId: colleague.session.user.id }, body: { role: 'admin' } })).role).toBe('admin');
    fails(
      await as(colleague.session).transferOwnership({ path: { workspaceId }, body: { userId: colleague.session.user.id } }),
      403,
      'FORBIDDEN',
      'Only owner can transfer',
    );
    expect(ok(await as(owner.session).transferOwnership({ path: { workspaceId }, body: { userId: colleague.session.user.id } })).role).not.toBe('owner');
    expect(ok(await as(colleague.session).getWorkspace({ path: { workspaceId } })).role).toBe('owner');

    // The outsider joins and is removed again; the owner cannot be removed.
    await join(colleague.session, workspaceId, outsider, 'member');
    ok(await as(colleague.session).removeMember({ path: { workspaceId, userId: outsider.session.user.id } }));
    fails(await as(outsider.session).listMembers({ path: { workspaceId } }), 404, 'NOT_FOUND');
    fails(await as(owner.session).removeMember({ path: { workspaceId, userId: colleague.session.user.id } }), 403, 'FORBIDDEN');
  });

  it('projects: create (a taken slug: 409), list, get (another tenant: 404), update, delete', async () => {
    const slug = unique('prj');
    const project = ok(await as(owner.session).createProject({ path: { workspaceId }, body: { name: 'Checkout', slug, retentionDays: 30 } }), 201);
    projectId = project.id;
    fails(await as(owner.session).createProject({ path: { workspaceId }, body: { name: 'Checkout', slug } }), 409, 'VALIDATION_ERROR', 'Slug already taken');
    expect(ok(await as(owner.session).listProjects({ path: { workspaceId } })).map((p) => p.id)).toEqual([projectId]);
    expect(ok(await as(owner.session).getProject({ path: { workspaceId, projectId } })).slug).toBe(slug);
    fails(await as(outsider.session).getProject({ path: { workspaceId, projectId } }), 404, 'NOT_FOUND');
    expect(ok(await as(owner.session).updateProject({ path: { workspaceId, projectId }, body: { retentionDays: 90 } })).retentionDays).toBe(90);

    const doomed = ok(await as(owner.session).createProject({ path: { workspaceId }, body: { name: 'Doomed', slug: unique('doomed') } }), 201);
    ok(await as(owner.session).deleteProject({ path: { workspaceId, projectId: doomed.id } }));
    fails(await as(owner.session).getProject({ path: { workspaceId, projectId: doomed.id } }), 404, 'NOT_FOUND');
  });

  it('workspaces: only the owner deletes one', async () => {
    const doomed = ok(await as(outsider.session).createWorkspace({ body: { name: 'Doomed', slug: unique('doomed') } }), 201);
    await join(outsider.session, doomed.id, owner, 'admin');
    fails(await as(owner.session).deleteWorkspace({ path: { workspaceId: doomed.id } }), 403, 'FORBIDDEN', 'Insufficient role');
    ok(await as(outsider.session).deleteWorkspace({ path: { workspaceId: doomed.id } }));
    fails(await as(outsider.session).getWorkspace({ path: { workspaceId: doomed.id } }), 404, 'NOT_FOUND');
  });

  describe('logs', () => {
    let readWrite: string;
    let writeOnly: string;
    let readOnly: string;
    let readWriteId: string;
    let ids: string[];

    it('API keys: create three, list them', async () => {
      const create = async (name: string, scopes: ('logs:write' | 'logs:read')[]) =>
        ok(await as(owner.session).createApiKey({ path: { workspaceId, projectId }, body: { name, scopes } }), 201);
      const rw = await create('read-write', ['logs:write', 'logs:read']);
      [readWrite, readWriteId] = [rw.secret, rw.id];
      writeOnly = (await create('write-only', ['logs:write'])).secret;
      readOnly = (await create('read-only', ['logs:read'])).secret;
      const keys = ok(await as(colleague.session).listApiKeys({ path: { workspaceId, projectId } }));
      expect(keys.map((k) => k.name).sort()).toEqual(['read-only', 'read-write', 'write-only']);
      expect(JSON.stringify(keys)).not.toContain(readWrite);
    });

    it('ingest: a batch and a single entry (202), the wrong scope (403), an invalid entry (400)', async () => {
      const service = validating({ apiKey: writeOnly });
      const batch = ok(
        await service.ingestLogs({
          body: {
            entries: [
              { level: 'info', message: 'e2e: order placed', attributes: { orderId: 'ord_42' } },
              { level: 'error', message: 'e2e: payment timed out', attributes: { route: '/checkout' } },
            ],
          },
        }),
        202,
      );
      const single = ok(await service.ingestLogs({ body: { level: 'warn', message: 'e2e: stock low', timestamp: new Date().toISOString() } }), 202);
      ids = [...batch.ids, ...single.ids];
      expect(batch.accepted + single.accepted).toBe(3);

      fails(await validating({ apiKey: readOnly }).ingestLogs({ body: { level: 'info', message: 'nope' } }), 403, 'FORBIDDEN', 'Insufficient scope');
      fails(await lenientClient({ apiKey: writeOnly }).ingestLogs({ body: { level: 'loud' as 'info', message: '' } }), 400, 'VALIDATION_ERROR');
    });

    it('query: from D1 and KV with a key, as a member, filtered; the wrong scope (403), other tenants (404), bad queries (400)', async () => {
      const reader = validating({ apiKey: readOnly });
      for (const source of ['d1', 'kv'] as const) {
        const entries = await waitFor(`the entries in ${source}`, async () => {
          const page = ok(await reader.queryLogs({ query: { source, limit: 100 } }));
          const found = page.entries.filter((entry) => ids.includes(entry.id));
          return found.length === ids.length ? found : undefined;
        });
        expect(entries.map((e) => e.level).sort()).toEqual(['error', 'info', 'warn']);
      }
      const filtered = ok(await as(colleague.session).queryLogs({ query: { projectId, level: ['error', 'warn'], q: 'e2e' } }));
      expect(filtered.entries.map((e) => e.level).sort()).toEqual(['error', 'warn']);

      fails(await validating({ apiKey: writeOnly }).queryLogs({ query: { source: 'd1' } }), 403, 'FORBIDDEN', 'Insufficient scope');
      fails(await as(outsider.session).queryLogs({ query: { projectId } }), 404, 'NOT_FOUND');
      fails(await reader.queryLogs({ query: { source: 'kv', q: 'e2e' } }), 400, 'VALIDATION_ERROR');
      fails(await lenientClient({ apiKey: readOnly }).queryLogs({ query: { source: 'r2' as 'd1' } }), 400, 'INVALID_SOURCE', 'Invalid source: must be "d1" or "kv"');

      // The other declared credential: the key in X-API-Key.
      const response = await recordingFetch('strict', exchanges)(`${strict.url}/v1/logs?limit=1`, { method: 'GET', headers: { 'X-API-Key': readOnly } });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    });

    it('revoke a key: it no longer authenticates (401); revoking again is 404', async () => {
      ok(await as(owner.session).revokeApiKey({ path: { workspaceId, projectId, keyId: readWriteId } }));
      fails(await validating({ apiKey: readWrite }).ingestLogs({ body: { level: 'info', message: 'after revoke' } }), 401, 'UNAUTHORIZED', 'Invalid or revoked API key');
      fails(await as(owner.session).revokeApiKey({ path: { workspaceId, projectId, keyId: readWriteId } }), 404, 'NOT_FOUND');
    });
  });
});

describe('the client refreshes an expired session against the real Worker', () => {
  /** An access token for the same user and session that expired a minute ago, signed with the Workers' JWT secret. */
  async function expired(accessToken: string): Promise<string> {
    const { sub, sid } = decode(accessToken).payload as { sub: string; sid: string };
    const now = Math.floor(Date.now() / 1000);
    return sign({ sub, sid, iss: 'loglane', aud: 'loglane-api', iat: now - 3600, exp: now - 60 }, JWT_SECRET, 'HS256');
  }

  it('a 401 "Token expired" refreshes once and retries; concurrent calls share one refresh', async () => {
    const { email, session } = await signUp('refresher');
    const stale = await expired(session.accessToken);
    fails(await client({ accessToken: stale }).getMe(), 401, 'UNAUTHORIZED', 'Token expired');

    const rotated: Session[] = [];
    const log: Exchange[] = [];
    const app = createValidatingClient({
      baseUrl: strict.url,
      accessToken: stale,
      refreshToken: session.refreshToken,
      onTokens: (next) => void rotated.push(next),
      fetch: recordingFetch('strict', log),
    });
    onTestFinished(() => void exchanges.push(...log));
    expect(ok(await app.getMe()).email).toBe(email);
    expect(log.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['GET /v1/me 401', 'POST /v1/auth/refresh 200', 'GET /v1/me 200']);
    expect(rotated).toHaveLength(1);
    expect(app.getTokens()).toEqual({ accessToken: rotated[0].accessToken, refreshToken: rotated[0].refreshToken });

    // Expire it again: three concurrent calls, one refresh.
    const mark = log.length;
    app.setTokens({ accessToken: await expired(rotated[0].accessToken), refreshToken: rotated[0].refreshToken });
    const results = await Promise.all([app.getMe(), app.listWorkspaces(), app.listAuthMethods()]);
    for (const result of results) ok(result);
    expect(log.slice(mark).filter((e) => e.path === '/v1/auth/refresh')).toHaveLength(1);
    expect(rotated).toHaveLength(2);

    // Refresh tokens rotate: presenting a spent one is refused (and revokes the whole family, so
    // the next automatic refresh fails too and the call reports the 401 it got).
    fails(await client().refreshSession({ body: { refreshToken: session.refreshToken } }), 401, 'UNAUTHORIZED');
    app.setTokens({ accessToken: await expired(rotated[1].accessToken), refreshToken: rotated[1].refreshToken });
    fails(await app.getMe(), 401, 'UNAUTHORIZED', 'Token expired');
    expect(app.getTokens().refreshToken).toBeUndefined();
  });
});

describe('rate limits (worker B: 3 requests a minute per group)', () => {
  const throttledClient = (options: Partial<LoglaneClientOptions> = {}): LoglaneClient =>
    createLoglaneClient({ baseUrl: throttled.url, fetch: recordingFetch('throttled', exchanges), ...options });

  function expectLimited(limited: AnyResult) {
    const error = fails(limited, 429, 'RATE_LIMITED', 'Rate limit exceeded') as Failure & { rateLimit?: { limit: number; remaining: number; retryAfter?: number } };
    expect(error.rateLimit).toMatchObject({ limit: LOW_LIMIT, remaining: 0 });
    expect(error.rateLimit?.retryAfter).toBeGreaterThanOrEqual(0);
    expect(error.rateLimit?.retryAfter).toBeLessThanOrEqual(60);
  }

  it('auth (per IP): login attempts are refused with 429 after the limit', async () => {
    const anonymous = throttledClient();
    const { before, limited } = await until429(() => anonymous.login({ body: { email: uniqueEmail('guess'), password: 'guess-guess' } }), LOW_LIMIT);
    for (const result of before) fails(result, 401, 'AUTH_FAILED', 'Invalid email or password');
    expectLimited(limited);
  });

  it('API (per caller): 429 after the limit, with a client that does not wait a minute to retry', async () => {
    const impatient = throttledClient({ accessToken: 'not.a.jwt', retry: { maxRetries: 2, maxDelayMs: 0 } });
    const { before, limited } = await until429(() => impatient.listWorkspaces(), LOW_LIMIT);
    for (const result of before) fails(result, 401, 'UNAUTHORIZED', 'Invalid token');
    expectLimited(limited);
  });

  it('ingest (per API key): 429 after the limit', async () => {
    const service = throttledClient({ apiKey: 'sk_e2e_not_a_real_key' });
    const { before, limited } = await until429(() => service.ingestLogs({ body: { level: 'info', message: 'hello' } }), LOW_LIMIT);
    for (const result of before) fails(result, 401, 'UNAUTHORIZED', 'Invalid or revoked API key');
    expectLimited(limited);
  });
});

describe('the verdict', () => {
  it('every operation was exercised: the 43 public ones and the development outbox', () => {
    const internal = JSON.parse(readFileSync(`${ROOT}/generated/openapi.internal.json`, 'utf8')) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const all = Object.values(internal.paths).flatMap((item) => Object.values(item).flatMap((op) => (op?.operationId ? [op.operationId] : [])));
    const seen = new Set(exchanges.map((e) => operationFor(e.method, new URL(e.path, 'http://x').pathname)?.operation.operationId));
    expect(all).toHaveLength(44);
    expect(all.filter((id) => !seen.has(id))).toEqual([]);
  });

  it('no response carried a Prism violation, Prism never answered for the Worker, and its logs are clean', () => {
    expect(exchanges.length).toBeGreaterThan(100);
    expect(objections(exchanges)).toEqual([]);
    expect({ strict: strict.complaints(), lenient: lenient.complaints(), throttled: throttled.complaints() }).toEqual({ strict: [], lenient: [], throttled: [] });
  });

  it('the client never reported a contract error', () => {
    expect(contractErrors).toEqual([]);
  });
});
