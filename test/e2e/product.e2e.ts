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
// Three calls bypass Prism, with the reason at each: startOAuth (Prism's proxy follows redirects,
// stoplightio/prism#1977), calls without any credential (Prism answers those 401 itself) and the
// log shipper's gzipped batches (Prism validates request bodies as JSON). Their
// responses are checked with the suites' independent validator (test/support/contract.ts).
//
// The bar: no response carries `sl-violations`, Prism never answers in the Worker's place, its logs
// hold no error, warning or violation, and the client never reports an error of kind `contract`.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { EventSource } from 'eventsource';
import { decode, sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  createLoglaneClient,
  createLogShipper,
  type LoglaneClient,
  type LoglaneClientOptions,
  type Session,
} from '../../client/src/index.ts';
import { createLoglaneClient as createValidatingClient } from '../../client/src/validate.ts';
import { assertMatchesContract, operationFor, schemaErrors } from '../support/contract.ts';
import {
  type Exchange,
  type FakeProvider,
  freePort,
  JWT_SECRET,
  migratedStateDirs,
  oauthGrant,
  objections,
  type Prism,
  ROOT,
  recordingFetch,
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

const GENEROUS = {
  RATE_LIMIT_AUTH_PER_MINUTE: '100000',
  RATE_LIMIT_EMAIL_PER_MINUTE: '100000',
  RATE_LIMIT_API_PER_MINUTE: '100000',
  RATE_LIMIT_INGEST_PER_MINUTE: '100000',
};
const LOW_LIMIT = 3;
const LOW = {
  RATE_LIMIT_AUTH_PER_MINUTE: String(LOW_LIMIT),
  RATE_LIMIT_API_PER_MINUTE: String(LOW_LIMIT),
  RATE_LIMIT_INGEST_PER_MINUTE: String(LOW_LIMIT),
};

/** A stub that answers every request with a health body the contract refuses (and no X-Request-Id). */
async function startCanaryStub(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ success: true, data: { status: 'degraded' }, error: null, meta: { timestamp: 'yesterday' } }));
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
const client = (options: Partial<LoglaneClientOptions> = {}) =>
  createLoglaneClient({ baseUrl: strict.url, fetch: recordingFetch('strict', exchanges), ...options });

/** A client that also validates every response body with the generated zod schemas. */
const validating = (options: Partial<LoglaneClientOptions> = {}) =>
  createValidatingClient({ baseUrl: strict.url, fetch: recordingFetch('strict', exchanges), validateResponses: true, ...options });

/** For deliberately invalid requests: Prism forwards them and still checks the responses. */
const lenientClient = (options: Partial<LoglaneClientOptions> = {}) =>
  createLoglaneClient({ baseUrl: lenient.url, fetch: recordingFetch('lenient', exchanges), ...options });

/**
 * Straight to the Worker, for what Prism cannot proxy faithfully (see the file comment); every
 * response is checked against the contract by test/support/contract.ts instead.
 */
const directFetch = () => {
  const record = recordingFetch('direct', exchanges);
  return async (input: string, init: RequestInit) => {
    const response = await record(input, init);
    const text = await response.clone().text();
    const body = response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text;
    assertMatchesContract(init.method ?? 'GET', input, response.status, response.headers, body);
    return response;
  };
};
/**
 * A loopback relay to the strict Prism for clients that send with node:http rather than a fetch we
 * can pass (the OpenTelemetry exporter): each exchange is recorded like the client's.
 */
async function recordingRelay(): Promise<{ url: string; close(): Promise<void> }> {
  const record = recordingFetch('strict', exchanges);
  const hopByHop = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'content-encoding', 'keep-alive']);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name, value]) => typeof value === 'string' && !hopByHop.has(name)),
    ) as Record<string, string>;
    const response = await record(`${strict.url}${req.url}`, {
      method: req.method,
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries([...response.headers].filter(([name]) => !hopByHop.has(name)))).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}

const directClient = (options: Partial<LoglaneClientOptions> = {}) =>
  createLoglaneClient({ baseUrl: workerA.url, ...options, fetch: directFetch() });

const as = (session: Tokens, options: Partial<LoglaneClientOptions> = {}) =>
  validating({ accessToken: session.accessToken, refreshToken: session.refreshToken, ...options });

type AnyResult = { data: unknown; error: unknown; status: number | undefined };
type Failure = {
  kind: string;
  operation: string;
  status?: number;
  code?: string;
  message: string;
  violation?: string;
  issues: readonly string[];
  body?: unknown;
};

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
  if (!error)
    throw new Error(`expected ${status} ${code ?? ''}, got a success ${result.status}: ${JSON.stringify(result.data).slice(0, 300)}`);
  if (error.kind !== 'api') throw new Error(explain(error));
  const actual = {
    status: error.status,
    ...(code === undefined ? {} : { code: error.code }),
    ...(message === undefined ? {} : { message: error.message }),
  };
  expect(actual).toEqual({ status, ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) });
  return error;
}

let counter = 0;
const unique = (label: string) =>
  `${label}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const uniqueEmail = (label: string) => `${unique(label)}@example.com`;
const PASSWORD = 'correct-horse-battery';

type OutboxMessage = { to: string; subject: string; text: string; token?: string; sentAt: string };

/** GET /v1/dev/outbox (x-internal, not in the client) through the strict Prism: the newest mail with a token. */
/** The token of the newest mail matching `subject`; magic-link and reset mail leave after the response, so it waits a little for them. */
async function mailedToken(email: string, subject: RegExp): Promise<string> {
  let text = '';
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await recordingFetch('strict', exchanges)(`${strict.url}/v1/dev/outbox?to=${encodeURIComponent(email)}`, {
      method: 'GET',
    });
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
    fails(
      await client().register({ body: { email, password: PASSWORD, name: 'Ada' } }),
      409,
      'VALIDATION_ERROR',
      'User with this email already exists',
    );
    const invalid = fails(
      await lenientClient().register({ body: { email: 'not-an-email', password: 'short', name: '' } }),
      400,
      'VALIDATION_ERROR',
      'Invalid input',
    );
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
    fails(
      await client().verifyMagicLink({ body: { token: 'ott_not-a-real-token-0000' } }),
      401,
      'AUTH_FAILED',
      'Invalid or expired magic link',
    );
  });

  it('me: get, update (and 400), an invalid token (401), no token at all (401, straight to the Worker)', async () => {
    const me = ok(await as(session).getMe());
    expect(me.email).toBe(email);
    expect(ok(await as(session).updateMe({ body: { name: 'Ada King' } })).name).toBe('Ada King');
    fails(
      await lenientClient({ accessToken: session.accessToken }).updateMe({ body: { name: '' } }),
      400,
      'VALIDATION_ERROR',
      'Invalid input',
    );
    fails(await client({ accessToken: 'not.a.jwt' }).getMe(), 401, 'UNAUTHORIZED', 'Invalid token');
    // Prism answers a request without the declared credential 401 itself, never reaching the Worker.
    fails(await directClient().getMe(), 401, 'UNAUTHORIZED', 'Authentication required');
  });

  it('forgot and reset password (a reused reset token: 401), then only the new password works', async () => {
    ok(await client().forgotPassword({ body: { email } }));
    ok(await client().forgotPassword({ body: { email: uniqueEmail('nobody') } })); // same answer for unknown addresses
    const token = await mailedToken(email, /reset/i);
    ok(await client().resetPassword({ body: { token, password: 'a-brand-new-password' } }));
    fails(
      await client().resetPassword({ body: { token, password: 'a-brand-new-password' } }),
      401,
      'AUTH_FAILED',
      'Invalid or expired token',
    );
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
    return {
      location: new URL(result.response!.headers.get('Location')!),
      cookie: result.response!.headers.get('Set-Cookie')!.split(';')[0],
    };
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
    [owner, colleague, outsider] = [
      await signUp('owner', 'Owner'),
      await signUp('colleague', 'Colleague'),
      await signUp('outsider', 'Outsider'),
    ];
  });

  it('workspaces: create (a taken slug: 409, a bad one: 400), list, get (another tenant: 404), update', async () => {
    const slug = unique('ws');
    const workspace = ok(await as(owner.session).createWorkspace({ body: { name: 'Acme', slug } }), 201);
    workspaceId = workspace.id;
    expect(workspace).toMatchObject({ slug, role: 'owner' });
    fails(await as(owner.session).createWorkspace({ body: { name: 'Acme', slug } }), 409, 'VALIDATION_ERROR', 'Slug already taken');
    fails(
      await lenientClient({ accessToken: owner.session.accessToken }).createWorkspace({ body: { name: 'Acme', slug: 'NOT A SLUG' } }),
      400,
      'VALIDATION_ERROR',
    );

    expect(ok(await as(owner.session).listWorkspaces()).map((w) => w.id)).toContain(workspaceId);
    expect(ok(await as(owner.session).getWorkspace({ path: { workspaceId } })).name).toBe('Acme');
    fails(await as(outsider.session).getWorkspace({ path: { workspaceId } }), 404, 'NOT_FOUND', 'Resource not found');
    expect(ok(await as(owner.session).updateWorkspace({ path: { workspaceId }, body: { name: 'Acme Inc' } })).name).toBe('Acme Inc');
  });

  it('members: invite (an unknown address alike), accept (then again: 409), list, role checks (403), promote, transfer ownership, remove', async () => {
    const invited = ok(
      await as(owner.session).createInvitation({ path: { workspaceId }, body: { email: colleague.email, role: 'member' } }),
      201,
    );
    expect(invited).toMatchObject({ email: colleague.email, role: 'member', workspaceName: 'Acme Inc' });
    const ghost = ok(
      await as(owner.session).createInvitation({ path: { workspaceId }, body: { email: uniqueEmail('ghost'), role: 'member' } }),
      201,
    );
    expect(ok(await as(owner.session).listInvitations({ path: { workspaceId } })).map((i) => i.id)).toEqual([invited.id, ghost.id]);
    ok(await as(owner.session).revokeInvitation({ path: { workspaceId, invitationId: ghost.id } }));
    const declined = ok(
      await as(owner.session).createInvitation({ path: { workspaceId }, body: { email: outsider.email, role: 'admin' } }),
      201,
    );
    expect(ok(await as(outsider.session).declineInvitation({ path: { invitationId: declined.id } }))).toEqual({
      id: declined.id,
      deleted: true,
    });
    fails(await as(outsider.session).getWorkspace({ path: { workspaceId } }), 404, 'NOT_FOUND');
    expect(ok(await as(colleague.session).listMyInvitations()).map((i) => i.id)).toEqual([invited.id]);
    expect(ok(await as(colleague.session).acceptInvitation({ path: { invitationId: invited.id } })).role).toBe('member');
    fails(
      await as(owner.session).createInvitation({ path: { workspaceId }, body: { email: colleague.email, role: 'member' } }),
      409,
      'VALIDATION_ERROR',
      'User is already a member',
    );
    expect(
      ok(await as(colleague.session).listMembers({ path: { workspaceId } }))
        .map((m) => m.role)
        .sort(),
    ).toEqual(['member', 'owner']);

    fails(
      await as(colleague.session).updateWorkspace({ path: { workspaceId }, body: { name: 'Mine' } }),
      403,
      'FORBIDDEN',
      'Insufficient role',
    );
    fails(
      await as(colleague.session).createProject({ path: { workspaceId }, body: { name: 'P', slug: unique('p') } }),
      403,
      'FORBIDDEN',
      'Insufficient role',
    );

    expect(
      ok(await as(owner.session).updateMember({ path: { workspaceId, userId: colleague.session.user.id }, body: { role: 'admin' } })).role,
    ).toBe('admin');
    fails(
      await as(colleague.session).transferOwnership({ path: { workspaceId }, body: { userId: colleague.session.user.id } }),
      403,
      'FORBIDDEN',
      'Only owner can transfer',
    );
    expect(
      ok(await as(owner.session).transferOwnership({ path: { workspaceId }, body: { userId: colleague.session.user.id } })).role,
    ).not.toBe('owner');
    expect(ok(await as(colleague.session).getWorkspace({ path: { workspaceId } })).role).toBe('owner');

    // The outsider joins and is removed again; the owner cannot be removed.
    await join(colleague.session, workspaceId, outsider, 'member');
    ok(await as(colleague.session).removeMember({ path: { workspaceId, userId: outsider.session.user.id } }));
    fails(await as(outsider.session).listMembers({ path: { workspaceId } }), 404, 'NOT_FOUND');
    fails(await as(owner.session).removeMember({ path: { workspaceId, userId: colleague.session.user.id } }), 403, 'FORBIDDEN');
  });

  it('projects: create (a taken slug: 409), list, get (another tenant: 404), update, delete', async () => {
    const slug = unique('prj');
    const project = ok(
      await as(owner.session).createProject({ path: { workspaceId }, body: { name: 'Checkout', slug, retentionDays: 30 } }),
      201,
    );
    projectId = project.id;
    fails(
      await as(owner.session).createProject({ path: { workspaceId }, body: { name: 'Checkout', slug } }),
      409,
      'VALIDATION_ERROR',
      'Slug already taken',
    );
    expect(ok(await as(owner.session).listProjects({ path: { workspaceId } })).map((p) => p.id)).toEqual([projectId]);
    expect(ok(await as(owner.session).getProject({ path: { workspaceId, projectId } })).slug).toBe(slug);
    fails(await as(outsider.session).getProject({ path: { workspaceId, projectId } }), 404, 'NOT_FOUND');
    expect(ok(await as(owner.session).updateProject({ path: { workspaceId, projectId }, body: { retentionDays: 90 } })).retentionDays).toBe(
      90,
    );

    const doomed = ok(
      await as(owner.session).createProject({ path: { workspaceId }, body: { name: 'Doomed', slug: unique('doomed') } }),
      201,
    );
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
      const single = ok(
        await service.ingestLogs({ body: { level: 'warn', message: 'e2e: stock low', timestamp: new Date().toISOString() } }),
        202,
      );
      ids = [...batch.ids, ...single.ids];
      expect(batch.accepted + single.accepted).toBe(3);

      fails(
        await validating({ apiKey: readOnly }).ingestLogs({ body: { level: 'info', message: 'nope' } }),
        403,
        'FORBIDDEN',
        'Insufficient scope',
      );
      fails(
        await lenientClient({ apiKey: writeOnly }).ingestLogs({ body: { level: 'loud' as 'info', message: '' } }),
        400,
        'VALIDATION_ERROR',
      );
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
      fails(
        await lenientClient({ apiKey: readOnly }).queryLogs({ query: { source: 'r2' as 'd1' } }),
        400,
        'INVALID_SOURCE',
        'Invalid source: must be "d1" or "kv"',
      );

      // The other declared credential: the key in X-API-Key.
      const response = await recordingFetch('strict', exchanges)(`${strict.url}/v1/logs?limit=1`, {
        method: 'GET',
        headers: { 'X-API-Key': readOnly },
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    });

    it('tail: an EventSource gets each new matching entry within 2 s of its 202 and resumes after Last-Event-ID; tailLogs() too', async () => {
      // Straight to the Worker (recorded, each event checked against the contract's LogEntry):
      // Prism's proxy answers once the upstream body has ended, which an event stream never does.
      const record = recordingFetch('direct', exchanges);
      const tailUrl = `${workerA.url}/v1/logs/tail?level=error&service=e2e-tail`;
      const follow = (headers: Record<string, string> = {}) => {
        const received: { id: string; at: number }[] = [];
        const source = new EventSource(tailUrl, {
          fetch: (input, init) =>
            record(String(input), { ...init, headers: { ...init?.headers, Authorization: `Bearer ${readOnly}`, ...headers } }),
        });
        onTestFinished(() => source.close());
        source.addEventListener('log', (event) => {
          expect(schemaErrors({ $ref: '#/components/schemas/LogEntry' }, JSON.parse(event.data))).toEqual([]);
          received.push({ id: event.lastEventId, at: Date.now() });
        });
        const opened = new Promise((resolve, reject) => {
          source.onopen = resolve;
          source.onerror = reject;
        });
        return { source, received, opened };
      };
      const writer = validating({ apiKey: writeOnly });
      const ingest = async (entries: { level: 'error' | 'info'; message: string }[]) =>
        ok(await writer.ingestLogs({ body: { entries: entries.map((entry) => ({ ...entry, service: 'e2e-tail' })) } }), 202).ids;

      const live = follow();
      await live.opened;
      const tailed: string[] = [];
      for (let i = 0; i < 3; i++) {
        const [ignored, id] = await ingest([
          { level: 'info', message: `e2e tail ${i}: not an error` },
          { level: 'error', message: `e2e tail ${i}` },
        ]);
        const acceptedAt = Date.now();
        const got = await waitFor(`tailed entry ${i}`, async () => live.received.find((event) => event.id === id), 5000);
        expect(got.at - acceptedAt).toBeLessThan(2000);
        expect(live.received.some((event) => event.id === ignored)).toBe(false);
        tailed.push(id);
      }
      live.source.close();

      // Away for a while: what was stored meanwhile comes first on reconnection.
      const missed = await ingest([
        { level: 'error', message: 'e2e tail: while away 1' },
        { level: 'error', message: 'e2e tail: while away 2' },
      ]);
      const resumed = follow({ 'Last-Event-ID': tailed[2] });
      await resumed.opened;
      await waitFor('the missed entries', async () => (resumed.received.length >= 2 ? true : undefined), 10_000);
      expect(resumed.received.map((event) => event.id)).toEqual(missed);
      resumed.source.close();

      // The client's iterator, resuming after the first tailed entry.
      const controller = new AbortController();
      const seen: string[] = [];
      const tailClient = createLoglaneClient({ baseUrl: workerA.url, apiKey: readOnly, fetch: record });
      for await (const entry of tailClient.tailLogs({
        query: { level: ['error'], service: ['e2e-tail'] },
        lastEventId: tailed[0],
        signal: controller.signal,
      })) {
        seen.push(entry.id);
        if (seen.length === 4) controller.abort();
      }
      expect(seen).toEqual([tailed[1], tailed[2], ...missed]);
    });

    // Second angles on exactly-once storage and on the two read paths (the first are in
    // test/queue.test.ts and test/logs.test.ts): through the real queue and consumer, a batch shows
    // up exactly once when walked in small pages, and KV answers with the very entries D1 has.
    it('a batch through the real queue: each entry exactly once, page by page, and the same entries from kv as from d1', async () => {
      const levels = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
      const entries = Array.from({ length: 25 }, (_, i) => ({ level: levels[i % 5], message: `e2e: walk ${i}`, attributes: { i } }));
      const batch = ok(await validating({ apiKey: writeOnly }).ingestLogs({ body: { entries } }), 202);
      const reader = validating({ apiKey: readOnly });
      const walk = async (source: 'd1' | 'kv') => {
        const seen = [];
        let cursor: string | undefined;
        do {
          const result = await reader.queryLogs({ query: { source, limit: 7, ...(cursor ? { cursor } : {}) } });
          seen.push(...ok(result).entries.filter((entry) => batch.ids.includes(entry.id)));
          cursor = (result.meta as { nextCursor?: string } | undefined)?.nextCursor;
        } while (cursor);
        return seen;
      };
      const fromD1 = await waitFor('the batch in d1', async () => {
        const seen = await walk('d1');
        return seen.length >= batch.ids.length ? seen : undefined;
      });
      expect(fromD1.map((entry) => entry.id)).toEqual([...batch.ids].reverse());
      const fromKv = await waitFor('the batch in kv', async () => {
        const seen = await walk('kv');
        return seen.length >= batch.ids.length ? seen : undefined;
      });
      expect(fromKv).toEqual(fromD1);
    });

    // The official SDK with either OTLP/HTTP encoding: JSON through the strict Prism (via a recording
    // relay) so that every export is validated against the contract too, protobuf straight to the
    // Worker (Prism validates request bodies as JSON or text only).
    const otlpExports = [
      {
        encoding: 'JSON',
        Exporter: OTLPLogExporter,
        target: async () => {
          const relay = await recordingRelay();
          onTestFinished(() => relay.close());
          return relay.url;
        },
      },
      { encoding: 'protobuf', Exporter: OTLPProtoLogExporter, target: async () => workerA.url },
    ];
    for (const { encoding, Exporter, target } of otlpExports) {
      it(`OpenTelemetry: what the official SDK exports over OTLP/HTTP ${encoding} is what GET /v1/logs returns`, async () => {
        const marker = `e2e-otel-${encoding.toLowerCase()}`;
        const exporter = new Exporter({ url: `${await target()}/v1/otlp/v1/logs`, headers: { Authorization: `Bearer ${writeOnly}` } });
        const provider = new LoggerProvider({
          resource: resourceFromAttributes({ 'service.name': 'e2e-otel-svc' }),
          processors: [new BatchLogRecordProcessor({ exporter })],
        });
        const logger = provider.getLogger('e2e');
        const time = Date.now() - 1000;
        logger.emit({
          severityNumber: SeverityNumber.ERROR,
          severityText: 'ERROR',
          body: `${marker}: charge failed`,
          attributes: { 'http.status_code': 502, retried: true },
          timestamp: time,
        });
        logger.emit({ severityNumber: SeverityNumber.DEBUG, body: `${marker}: cache miss`, attributes: { key: 'user:1' } });
        await provider.shutdown(); // flushes

        const reader = validating({ apiKey: readOnly });
        const entries = await waitFor(`the OTLP ${encoding} export in D1`, async () => {
          const page = ok(await reader.queryLogs({ query: { q: marker, limit: 10 } }));
          return page.entries.length === 2 ? page.entries : undefined;
        });
        const byMessage = Object.fromEntries(entries.map((entry) => [entry.message, entry]));
        expect(byMessage[`${marker}: charge failed`]).toMatchObject({
          level: 'error',
          service: 'e2e-otel-svc',
          timestamp: new Date(time).toISOString(),
          attributes: { 'http.status_code': 502, retried: true },
        });
        expect(byMessage[`${marker}: cache miss`]).toMatchObject({
          level: 'debug',
          service: 'e2e-otel-svc',
          attributes: { key: 'user:1' },
        });
      });
    }

    it('createLogShipper: gzipped, idempotent batches straight to the Worker; every entry stored once', async () => {
      // Straight to the Worker: Prism's proxy validates bodies as JSON and cannot read gzip.
      const shipper = createLogShipper({
        baseUrl: workerA.url,
        apiKey: writeOnly,
        service: 'e2e-shipper',
        maxBatchEntries: 40,
        fetch: directFetch(),
      });
      for (let i = 0; i < 100; i += 1) shipper.info(`e2e-shipped ${i}`, { i });
      await shipper.close();
      expect(shipper.stats()).toMatchObject({ sent: 100, failed: 0, dropped: 0, batches: 3 });

      const reader = validating({ apiKey: readOnly });
      const entries = await waitFor('the shipped entries in D1', async () => {
        const page = ok(await reader.queryLogs({ query: { q: 'e2e-shipped', limit: 200 } }));
        return page.entries.length >= 100 ? page.entries : undefined;
      });
      expect(entries.map((entry) => entry.message).sort()).toEqual(Array.from({ length: 100 }, (_, i) => `e2e-shipped ${i}`).sort());
      expect(entries.every((entry) => entry.service === 'e2e-shipper' && entry.attributes.i === Number(entry.message.split(' ')[1]))).toBe(
        true,
      );
    });

    // A second angle on revocation (test/tenancy.test.ts has the first): the key is in use through
    // the real stack right up to its revocation, and refused on the very next request.
    it('revoke a key in use: the very next request is refused (401), ingest and query alike; revoking again is 404', async () => {
      const service = validating({ apiKey: readWrite });
      ok(await service.ingestLogs({ body: { level: 'info', message: 'before revoke' } }), 202);
      ok(await service.queryLogs({ query: { limit: 1 } }));
      ok(await as(owner.session).revokeApiKey({ path: { workspaceId, projectId, keyId: readWriteId } }));
      fails(
        await service.ingestLogs({ body: { level: 'info', message: 'after revoke' } }),
        401,
        'UNAUTHORIZED',
        'Invalid or revoked API key',
      );
      fails(await service.queryLogs({ query: { limit: 1 } }), 401, 'UNAUTHORIZED', 'Invalid or revoked API key');
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
    const error = fails(limited, 429, 'RATE_LIMITED', 'Rate limit exceeded') as Failure & {
      rateLimit?: { limit: number; remaining: number; retryAfter?: number };
    };
    expect(error.rateLimit).toMatchObject({ limit: LOW_LIMIT, remaining: 0 });
    expect(error.rateLimit?.retryAfter).toBeGreaterThanOrEqual(0);
    expect(error.rateLimit?.retryAfter).toBeLessThanOrEqual(60);
  }

  it('auth (per IP): login attempts are refused with 429 after the limit', async () => {
    const anonymous = throttledClient();
    const { before, limited } = await until429(
      () => anonymous.login({ body: { email: uniqueEmail('guess'), password: 'guess-guess' } }),
      LOW_LIMIT,
    );
    for (const result of before) fails(result, 401, 'AUTH_FAILED', 'Invalid email or password');
    expectLimited(limited);
  });

  it('API (per caller): 429 after the limit, with a client that does not wait a minute to retry', async () => {
    const impatient = throttledClient({ accessToken: 'not.a.jwt', retry: { maxRetries: 2, maxDelayMs: 0 } });
    const { before, limited } = await until429(() => impatient.listWorkspaces(), LOW_LIMIT);
    for (const result of before) fails(result, 401, 'UNAUTHORIZED', 'Invalid token');
    expectLimited(limited);
  });

  it('ingest with a key nobody issued: refused, and counted against the client address (no bucket of its own), 429 once that is spent', async () => {
    const service = throttledClient({ apiKey: 'sk_e2e_not_a_real_key' });
    const { before, limited } = await until429(() => service.ingestLogs({ body: { level: 'info', message: 'hello' } }), LOW_LIMIT);
    for (const result of before) fails(result, 401, 'UNAUTHORIZED', 'Invalid or revoked API key');
    expectLimited(limited);
  });
});

describe('the verdict', () => {
  it('every operation was exercised: the 45 public ones and the development outbox', () => {
    const internal = JSON.parse(readFileSync(`${ROOT}/generated/openapi.internal.json`, 'utf8')) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const all = Object.values(internal.paths).flatMap((item) =>
      Object.values(item).flatMap((op) => (op?.operationId ? [op.operationId] : [])),
    );
    const seen = new Set(exchanges.map((e) => operationFor(e.method, new URL(e.path, 'http://x').pathname)?.operation.operationId));
    expect(all).toHaveLength(46);
    expect(all.filter((id) => !seen.has(id))).toEqual([]);
  });

  it('no response carried a Prism violation, Prism never answered for the Worker, and its logs are clean', () => {
    expect(exchanges.length).toBeGreaterThan(100);
    expect(objections(exchanges)).toEqual([]);
    expect({ strict: strict.complaints(), lenient: lenient.complaints(), throttled: throttled.complaints() }).toEqual({
      strict: [],
      lenient: [],
      throttled: [],
    });
  });

  it('the client never reported a contract error', () => {
    expect(contractErrors).toEqual([]);
  });
});
