// Loglane quickstart: a small app that uses the typed client end to end.
//
//   npm start          # in one terminal: the API on http://127.0.0.1:8787
//   npm run demo       # in another (LOGLANE_URL=http://host:port npm run demo for another address)
//
// It registers a user, reads the verification email from the development outbox, verifies the
// address, creates a workspace, a project and an API key, ingests a batch of log entries with the
// key, and reads them back from D1 and from KV (entries are stored asynchronously by a queue
// consumer, so it polls briefly until they appear).
import {
  type AnyLoglaneError,
  createLoglaneClient,
  isLoglaneError,
  type LogEntry,
  type LoglaneClient,
  type LogSource,
} from '../client/src/index.ts';

const BASE_URL = (process.env.LOGLANE_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
const RUN = Date.now().toString(36);
const EMAIL = `quickstart-${RUN}@example.com`;
const PASSWORD = `pw-${crypto.randomUUID()}`;

const step = (text: string) => console.log(`✓ ${text}`);

/** The app's own policy for this script: any failure ends it with a readable message. */
function fail(what: string, error: AnyLoglaneError): never {
  const where = error.kind === 'api' ? `${error.status} ${error.code}` : error.kind;
  console.error(`✗ ${what} failed (${where}): ${error.message}${error.requestId ? ` [request ${error.requestId}]` : ''}`);
  for (const detail of error.details ?? []) console.error(`    ${detail.field || '(body)'}: ${detail.issue}`);
  process.exit(1);
}

function must<T>(what: string, result: { data: T; error: undefined } | { data: undefined; error: AnyLoglaneError }): T {
  if (result.error) fail(what, result.error);
  return result.data as T;
}

/** GET /v1/dev/outbox is a development-only (x-internal) operation, so it is not in the client. */
async function verificationToken(email: string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const response = await fetch(`${BASE_URL}/v1/dev/outbox?to=${encodeURIComponent(email)}`);
    if (!response.ok) throw new Error(`GET /v1/dev/outbox answered ${response.status}: is the API running with ENVIRONMENT=development?`);
    const outbox = (await response.json()) as { data: { subject: string; token?: string }[] };
    const mail =
      outbox.data.find((message) => message.token && /verif/i.test(message.subject)) ?? outbox.data.find((message) => message.token);
    if (mail?.token) return mail.token;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no verification email for ${email} in the development outbox`);
}

/** Entries are stored by the queue consumer after POST /v1/logs answers 202: poll until they are there. */
async function waitForEntries(client: LoglaneClient, source: LogSource, ids: string[]): Promise<LogEntry[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const page = must(`query ${source}`, await client.queryLogs({ query: { source, limit: 100 } }));
    const found = page.entries.filter((entry) => ids.includes(entry.id));
    if (found.length === ids.length) return found;
    if (Date.now() > deadline) throw new Error(`only ${found.length} of ${ids.length} entries in ${source} after 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function main() {
  // The auth routes are rate limited: let the client wait out a 429 instead of failing.
  const retry = { maxRetries: 3, maxDelayMs: 15_000 };
  const loglane = createLoglaneClient({ baseUrl: BASE_URL, retry });

  const health = await loglane.getHealth();
  if (health.error?.kind === 'network') {
    console.error(`✗ Cannot reach Loglane at ${BASE_URL}: start it with \`npm start\` (or set LOGLANE_URL).`);
    process.exit(1);
  }
  step(`Loglane ${must('health', health).version} is up at ${BASE_URL}`);

  const user = must('register', await loglane.register({ body: { email: EMAIL, password: PASSWORD, name: 'Quickstart' } }));
  step(`registered ${user.email} (${user.id}); verified: ${user.emailVerified}`);

  const token = await verificationToken(EMAIL);
  step('read the verification email from the development outbox');

  must('verify email', await loglane.verifyEmail({ body: { token } }));
  const session = must('login', await loglane.login({ body: { email: EMAIL, password: PASSWORD } }));
  loglane.setTokens(session);
  step(`verified the email and signed in (access token valid ${session.expiresIn} s)`);

  const workspace = must('create workspace', await loglane.createWorkspace({ body: { name: 'Quickstart', slug: `quickstart-${RUN}` } }));
  step(`created workspace ${workspace.slug} (${workspace.id}) as ${workspace.role}`);

  // Errors are values: a taken slug is a declared 409 with code VALIDATION_ERROR.
  const again = await loglane.createWorkspace({ body: { name: 'Quickstart', slug: workspace.slug } });
  if (isLoglaneError(again.error, 'VALIDATION_ERROR') && again.error.status === 409) {
    step(`a second workspace with the same slug is refused: ${again.error.status} ${again.error.code} "${again.error.message}"`);
  } else {
    console.warn('! expected 409 VALIDATION_ERROR for a taken slug, got', again.error ?? again.data);
  }

  const project = must(
    'create project',
    await loglane.createProject({ path: { workspaceId: workspace.id }, body: { name: 'Web', slug: 'web' } }),
  );
  step(`created project ${project.slug} (${project.id}), retention ${project.retentionDays} days`);

  const key = must(
    'create API key',
    await loglane.createApiKey({
      path: { workspaceId: workspace.id, projectId: project.id },
      body: { name: 'quickstart', scopes: ['logs:write', 'logs:read'] },
    }),
  );
  step(`created API key ${key.prefix}… with scopes ${key.scopes.join(', ')} (the secret is shown only once)`);

  const service = createLoglaneClient({ baseUrl: BASE_URL, apiKey: key.secret, retry });
  const ingested = await service.ingestLogs({
    body: {
      entries: [
        { level: 'info', message: 'quickstart: order placed', attributes: { orderId: 'ord_42', run: RUN } },
        { level: 'warn', message: 'quickstart: stock low', attributes: { sku: 'A-7', left: 2, run: RUN } },
        { level: 'error', message: 'quickstart: payment provider timed out', attributes: { route: '/checkout', run: RUN } },
      ],
    },
  });
  const accepted = must('ingest logs', ingested);
  const limit = ingested.rateLimit ? ` (rate limit: ${ingested.rateLimit.remaining}/${ingested.rateLimit.limit} left)` : '';
  step(`ingested ${accepted.accepted} entries with the API key${limit}`);

  for (const source of ['d1', 'kv'] as const) {
    const entries = await waitForEntries(service, source, accepted.ids);
    step(`read them back from ${source}:`);
    for (const entry of entries)
      console.log(`    ${entry.timestamp}  ${entry.level.padEnd(5)}  ${entry.message}  ${JSON.stringify(entry.attributes)}`);
  }

  // Members can query too, with their own token and the projectId.
  const errors = must('query as a member', await loglane.queryLogs({ query: { projectId: project.id, level: ['error'] } }));
  step(`as a workspace member: ${errors.entries.length} error entr${errors.entries.length === 1 ? 'y' : 'ies'} in ${project.slug}`);

  console.log(`\nDone. Sign in as ${EMAIL} / ${PASSWORD} to explore; the API reference is at ${BASE_URL}/docs.`);
}

main().catch((error: unknown) => {
  console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
