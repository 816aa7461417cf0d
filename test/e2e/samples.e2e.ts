// Every code sample of the reference (x-codeSamples, generated from the contract by
// scripts/code-samples.ts) runs against a real `wrangler dev` Worker: the curl samples in `sh`, the
// TypeScript samples with tsx. Each language walks the plan below on its own Worker, so that both
// start from nothing: register, verify, sign in, create a workspace, a project, a key, send and
// query logs, … and finally delete and sign out. A sample passes when it answers one of its
// operation's success statuses with a response the contract allows.
//
// What the test changes in a sample, and nothing else: the contract's server becomes the Worker's
// address; TypeScript imports `@loglane/client` from client/src/validate.ts (response validation on,
// so a body the contract does not allow fails the sample) and prints `data` as JSON for the plan.
// The values only a reader has ($LOGLANE_TOKEN, $WORKSPACE_ID, $ONE_TIME_TOKEN, …) are environment
// variables, set by the plan from earlier answers or from the development outbox.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoglaneClient, type LoglaneClient } from '../../client/src/index.ts';
import { STREAM_SECONDS } from '../../scripts/code-samples.ts';
import { assertMatchesContract, schemaErrors } from '../support/contract.ts';
import {
  type FakeProvider,
  freePort,
  JWT_SECRET,
  migratedStateDirs,
  oauthGrant,
  ROOT,
  startFakeProvider,
  startWorker,
  type Worker,
} from './harness.ts';

type Json = any;
const exec = promisify(execFile);
const LANGUAGES = ['curl', 'TypeScript'] as const;
type Language = (typeof LANGUAGES)[number];

// --- the samples, from the contract ---------------------------------------------------------------

const contract: Json = JSON.parse(await readFile(path.join(ROOT, 'generated', 'openapi.internal.json'), 'utf8'));
const SERVER_URL: string = contract.servers[0].url;
/** How long the samples of an event stream follow it here (theirs say STREAM_SECONDS). */
const FOLLOW_SECONDS = 3;

interface Operation {
  id: string;
  method: string;
  successStatuses: number[];
  /** answers with an event stream */
  streams: boolean;
  samples: Partial<Record<Language, string>>;
  requestExample: Json;
}

const operations = new Map<string, Operation>();
for (const [, pathItem] of Object.entries<Json>(contract.paths)) {
  for (const [method, operation] of Object.entries<Json>(pathItem)) {
    if (!operation?.operationId) continue;
    const media: Json = Object.values(operation.requestBody?.content ?? {})[0];
    operations.set(operation.operationId, {
      id: operation.operationId,
      method: method.toUpperCase(),
      successStatuses: Object.keys(operation.responses)
        .map(Number)
        .filter((status) => status < 400),
      streams: Object.values<Json>(operation.responses).some((response) => response.content?.['text/event-stream'] !== undefined),
      samples: Object.fromEntries((operation['x-codeSamples'] ?? []).map((sample: Json) => [sample.label, sample.source])),
      requestExample: (Object.values(media?.examples ?? {})[0] as Json)?.value,
    });
  }
}
const example = (id: string) => operations.get(id)!.requestExample;
/** The reader of the samples: the person in the register example. */
const READER = example('register');

// --- the plan -----------------------------------------------------------------------------------------

/** What a step's hooks work with: the sample variables, and a client straight to the Worker for setup. */
interface World {
  language: Language;
  worker: Worker;
  vars: Record<string, string>;
  client: (accessToken?: string) => LoglaneClient;
  /** The newest one-time token mailed to `email` (development outbox). */
  mailedToken: (email: string) => Promise<string>;
}

interface Step {
  op: string;
  before?: (world: World) => Promise<void>;
  after?: (world: World, data: Json) => Promise<void>;
}

/** Starts the reader's GitHub link as a signed-in browser would: the provider's grant and the flow's cookie. */
async function startGithubLink(world: World): Promise<{ code: string; state: string; cookie: string }> {
  const started = await world.client(world.vars.LOGLANE_TOKEN).startOAuth({ path: { provider: 'github' } });
  const grant = oauthGrant(new URL(started.response!.headers.get('Location')!), { email: READER.email });
  return { ...grant, cookie: /__Host-loglane_oauth=([^;]*)/.exec(started.response!.headers.get('set-cookie') ?? '')?.[1] ?? '' };
}

/** The whole link, the callback sent with the cookie by hand (checked against the contract). */
async function finishGithubLink(world: World): Promise<void> {
  const { code, state, cookie } = await startGithubLink(world);
  const url = `${world.worker.url}/v1/auth/oauth/github/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`;
  const res = await fetch(url, { headers: { Cookie: `__Host-loglane_oauth=${cookie}` }, redirect: 'manual' });
  const text = await res.text();
  assertMatchesContract(
    'GET',
    url,
    res.status,
    res.headers,
    res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text,
  );
  expect(res.status, text.slice(0, 300)).toBeLessThan(400);
}

const keepSession = async (world: World, session: Json) => {
  world.vars.LOGLANE_TOKEN = session.accessToken;
  world.vars.REFRESH_TOKEN = session.refreshToken;
};
const mailedTokenFor = (email: string) => async (world: World) => {
  world.vars.ONE_TIME_TOKEN = await world.mailedToken(email);
};
const must = <T>(result: { data?: T; error?: unknown }): T => {
  if (result.error) throw result.error;
  return result.data as T;
};
/** Registers someone else (for members and ownership); their id goes to USER_ID. */
const anotherUser = (email: string) => async (world: World) => {
  const user = must(await world.client().register({ body: { email, password: 'another-correct-horse', name: email.split('@')[0] } }));
  world.vars.USER_ID = user.id;
};

/** Signs up someone else, verified and signed in: their id goes to USER_ID, their token to INVITEE_TOKEN. */
const anotherSignedInUser = (email: string) => async (world: World) => {
  await anotherUser(email)(world);
  must(await world.client().verifyEmail({ body: { token: await world.mailedToken(email) } }));
  world.vars.INVITEE_TOKEN = must(await world.client().login({ body: { email, password: 'another-correct-horse' } })).accessToken;
};
/** The samples sign in with $LOGLANE_TOKEN: a step the invitee takes runs with theirs, then the reader's again. */
const asInvitee = async (world: World) => {
  world.vars.READER_TOKEN = world.vars.LOGLANE_TOKEN;
  world.vars.LOGLANE_TOKEN = world.vars.INVITEE_TOKEN;
};
const asReader = async (world: World) => void (world.vars.LOGLANE_TOKEN = world.vars.READER_TOKEN);
/** The reader invites `email` (signed up and in beforehand); the invitation's id goes to INVITATION_ID. */
const invited = (email: string) => async (world: World) => {
  await anotherSignedInUser(email)(world);
  const path = { workspaceId: world.vars.WORKSPACE_ID };
  world.vars.INVITATION_ID = must(
    await world.client(world.vars.LOGLANE_TOKEN).createInvitation({ path, body: { email, role: 'member' } }),
  ).id;
};

/** In order; `*` is where operations the plan does not name yet run (a new operation works from here or gets a step). */
const PLAN: (Step | '*')[] = [
  { op: 'getHealth' },
  { op: 'register' },
  { op: 'listOutbox' },
  { op: 'verifyEmail', before: mailedTokenFor(READER.email) },
  { op: 'login', after: keepSession },
  { op: 'refreshSession', after: keepSession },
  { op: 'requestMagicLink' },
  { op: 'verifyMagicLink', before: mailedTokenFor(READER.email), after: keepSession },
  { op: 'getMe' },
  { op: 'updateMe' },
  { op: 'startOAuth' },
  {
    // The reader links GitHub: the flow starts signed in, the fake provider grants the reader's address.
    op: 'oauthCallback',
    before: async (world) => {
      const link = await startGithubLink(world);
      world.vars.OAUTH_CODE = link.code;
      world.vars.OAUTH_STATE = link.state;
      world.vars.OAUTH_COOKIE = link.cookie;
    },
    after: keepSession,
  },
  { op: 'listAuthMethods' },
  // The TypeScript world has no callback sample (the client sends no cookies): it links as a browser would.
  { op: 'unlinkAuthMethod', before: async (world) => void (world.language === 'TypeScript' && (await finishGithubLink(world))) },
  { op: 'createWorkspace', after: async (world, workspace) => void (world.vars.WORKSPACE_ID = workspace.id) },
  { op: 'listWorkspaces' },
  { op: 'getWorkspace' },
  { op: 'updateWorkspace' },
  {
    op: 'createInvitation',
    before: anotherSignedInUser(example('createInvitation').email),
    after: async (world, invitation) => void (world.vars.INVITATION_ID = invitation.id),
  },
  { op: 'listInvitations' },
  { op: 'listMyInvitations', before: asInvitee, after: asReader },
  {
    op: 'acceptInvitation',
    before: asInvitee,
    after: async (world) => {
      await asReader(world);
      world.vars.MEMBER_ID = world.vars.USER_ID;
    },
  },
  { op: 'listMembers' },
  { op: 'updateMember' },
  { op: 'createProject', after: async (world, project) => void (world.vars.PROJECT_ID = project.id) },
  { op: 'listProjects' },
  { op: 'getProject' },
  { op: 'updateProject' },
  {
    op: 'createApiKey',
    after: async (world, key) => {
      world.vars.LOGLANE_API_KEY = key.secret;
      world.vars.KEY_ID = key.id;
    },
  },
  { op: 'listApiKeys' },
  { op: 'ingestLogs' },
  // The OpenTelemetry twin writes with the same key.
  { op: 'exportOtlpLogs' },
  {
    // The example key may only write: reading takes a key with logs:read.
    op: 'queryLogs',
    before: async (world) => {
      const path = { workspaceId: world.vars.WORKSPACE_ID, projectId: world.vars.PROJECT_ID };
      const reader = must(
        await world.client(world.vars.LOGLANE_TOKEN).createApiKey({ path, body: { name: 'reader', scopes: ['logs:read'] } }),
      );
      world.vars.LOGLANE_API_KEY = reader.secret;
    },
  },
  { op: 'getOpenApiDocument' },
  { op: 'getDocs' },
  '*',
  { op: 'revokeApiKey' },
  { op: 'revokeInvitation', before: invited('withdrawn@example.com') },
  {
    op: 'declineInvitation',
    before: async (world) => {
      await invited('declining@example.com')(world);
      await asInvitee(world);
    },
    after: asReader,
  },
  {
    op: 'removeMember',
    before: async (world) => {
      await invited('leaving@example.com')(world);
      must(await world.client(world.vars.INVITEE_TOKEN).acceptInvitation({ path: { invitationId: world.vars.INVITATION_ID } }));
    },
  },
  { op: 'deleteProject' },
  { op: 'transferOwnership', before: async (world) => void (world.vars.USER_ID = world.vars.MEMBER_ID) },
  {
    // The reader is an admin now: the owner's last act is tried on a workspace of their own.
    op: 'deleteWorkspace',
    before: async (world) => {
      const workspace = must(await world.client(world.vars.LOGLANE_TOKEN).createWorkspace({ body: { name: 'Scratch', slug: 'scratch' } }));
      world.vars.WORKSPACE_ID = workspace.id;
    },
  },
  { op: 'forgotPassword' },
  {
    op: 'resetPassword',
    before: mailedTokenFor(READER.email),
    // A reset ends every session: sign in again with the new password, for logout.
    after: async (world) =>
      keepSession(world, must(await world.client().login({ body: { email: READER.email, password: example('resetPassword').password } }))),
  },
  { op: 'logout' },
];

// --- running a sample ------------------------------------------------------------------------------

const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);
const CHILD_ENV = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
let scratch: string;

/** Runs one sample; returns its status (curl) and `data`, after checking the answer against the contract. */
async function runSample(world: World, op: Operation, source: string, language: Language): Promise<Json> {
  const env = { ...CHILD_ENV, ...world.vars };
  const code = source.replaceAll(SERVER_URL, world.worker.url);
  const file = path.join(scratch, `${world.language}-${op.id}`);
  // An event stream is followed for a few seconds instead of a minute: it then ends as the sample says it would.
  const followed = code
    .replaceAll(`--max-time ${STREAM_SECONDS}`, `--max-time ${FOLLOW_SECONDS}`)
    .replaceAll(`AbortSignal.timeout(${STREAM_SECONDS * 1000})`, `AbortSignal.timeout(${FOLLOW_SECONDS * 1000})`);
  if (language === 'curl') {
    // The sample as written, with curl told where to put the headers and body and to print the status.
    const script = `${followed} --silent --show-error --dump-header '${file}.headers' --output '${file}.body' --write-out '%{http_code} %{url_effective}'`;
    // curl's exit 28 is its --max-time running out: how a followed stream ends.
    const run = await exec('sh', ['-c', script], { env, timeout: 30_000 }).catch((error) =>
      op.streams && error.code === 28 ? error : Promise.reject(error),
    );
    const [status, url] = run.stdout.trim().split(' ');
    const headerLines = (await readFile(`${file}.headers`, 'utf8')).split(/\r?\n/).filter((line) => line.includes(':'));
    const headers = new Headers(
      headerLines.map((line) => [line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim()] as [string, string]),
    );
    let text = await readFile(`${file}.body`, 'utf8').catch(() => '');
    // `curl -i` (redirect samples) writes the headers into the output too.
    if (/^HTTP\//.test(text)) text = text.slice(text.search(/\r?\n\r?\n/)).trimStart();
    const body = headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text;
    expect(op.successStatuses, `${op.id} (curl) answered ${status}: ${text.slice(0, 400)}`).toContain(Number(status));
    assertMatchesContract(op.method, url, Number(status), headers, body);
    return body?.data;
  }
  // TypeScript: this repository's client with response validation, `data` printed as JSON; a
  // stream's events are printed one per line, each a LogEntry of the contract.
  if (op.streams) {
    await writeFile(
      `${file}.mts`,
      followed
        .replace("from '@loglane/client'", `from '${path.join(ROOT, 'client', 'src', 'validate.ts')}'`)
        .replace('console.log(event);', 'console.log(JSON.stringify(event));'),
    );
    const result = await exec(bin('tsx'), [`${file}.mts`], { env, cwd: ROOT, timeout: 60_000 }).catch((error) => {
      throw new Error(`${op.id} (TypeScript) failed:\n${error.stderr || error.message}`);
    });
    const events = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    for (const event of events) expect(schemaErrors({ $ref: '#/components/schemas/LogEntry' }, event)).toEqual([]);
    return events;
  }
  expect(code.endsWith('console.log(data);'), `${op.id}: the TypeScript sample ends by printing data`).toBe(true);
  const program = code
    .replace("from '@loglane/client'", `from '${path.join(ROOT, 'client', 'src', 'validate.ts')}'`)
    .replace(/console\.log\(data\);$/, 'console.log(JSON.stringify(data ?? null));');
  await writeFile(`${file}.mts`, program);
  const result = await exec(bin('tsx'), [`${file}.mts`], { env, cwd: ROOT, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error) => {
      throw new Error(`${op.id} (TypeScript) failed:\n${error.stderr || error.message}`);
    },
  );
  const printed = result.stdout.trim().split('\n').at(-1)!;
  const data = JSON.parse(printed);
  return data;
}

// --- the stack and the walk ------------------------------------------------------------------------

let fake: FakeProvider;
const workers: Partial<Record<Language, Worker>> = {};
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'loglane-samples-'));
  cleanups.push(() => rm(scratch, { recursive: true, force: true }));
  fake = await startFakeProvider();
  cleanups.unshift(() => fake.close());
  const state = await migratedStateDirs([...LANGUAGES]);
  cleanups.push(() => state.remove());
  const generous = { RATE_LIMIT_AUTH_PER_MINUTE: '100000', RATE_LIMIT_API_PER_MINUTE: '100000', RATE_LIMIT_INGEST_PER_MINUTE: '100000' };
  const secrets = { JWT_SECRET, ...fake.secrets, MAIL_API_URL: '', MAIL_API_KEY: '', MAIL_FROM: '' };
  await Promise.all(
    LANGUAGES.map(async (language) => {
      const port = await freePort();
      const vars = { ENVIRONMENT: 'development', PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, ...generous, ...fake.vars };
      const worker = await startWorker(`samples-${language}`, state.dirs[language], vars, secrets, port);
      workers[language] = worker;
      cleanups.unshift(() => worker.stop());
    }),
  );
}, 180_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
}, 60_000);

/** Setup calls go straight to the Worker, each answer checked against the contract. */
function worldFor(language: Language): World {
  const worker = workers[language]!;
  const checkedFetch = async (input: string, init: RequestInit) => {
    const response = await fetch(input, init);
    const text = await response.clone().text();
    const body = response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text;
    assertMatchesContract(init.method ?? 'GET', input, response.status, response.headers, body);
    return response;
  };
  return {
    language,
    worker,
    vars: {},
    client: (accessToken) => createLoglaneClient({ baseUrl: worker.url, accessToken, fetch: checkedFetch }),
    mailedToken: async (email) => {
      const response = await checkedFetch(`${worker.url}/v1/dev/outbox?to=${encodeURIComponent(email)}`, {});
      const token = ((await response.json()) as Json).data[0]?.token;
      if (!token) throw new Error(`no mail for ${email}`);
      return token;
    },
  };
}

const planned = new Set(PLAN.flatMap((step) => (step === '*' ? [] : [step.op])));

describe.each(LANGUAGES)('the %s samples of the reference', (language) => {
  it('every operation has one, and each runs against the Worker in the plan', async () => {
    const withSample = [...operations.values()].filter((op) => op.samples[language] !== undefined);
    const publicOperations = [...operations.values()].filter((op) => op.samples.curl !== undefined);
    expect(
      publicOperations.map((op) => op.id),
      'operations without a curl sample',
    ).toEqual([...operations.keys()]);
    const world = worldFor(language);
    const ran: string[] = [];
    for (const step of PLAN) {
      const steps = step === '*' ? withSample.filter((op) => !planned.has(op.id)).map((op) => ({ op: op.id }) as Step) : [step];
      for (const { op: id, before, after } of steps) {
        const op = operations.get(id);
        expect(op, `${id} is in the plan but not in the contract`).toBeDefined();
        const source = op!.samples[language];
        if (source === undefined) continue;
        await before?.(world);
        const data = await runSample(world, op!, source, language);
        await after?.(world, data);
        ran.push(id);
      }
    }
    expect(ran.sort()).toEqual(withSample.map((op) => op.id).sort());
  }, 600_000);
});
