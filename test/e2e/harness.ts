// The end-to-end harness: real `wrangler dev` Workers, Prism validation proxies in front of them, a
// fake OAuth provider on loopback, and a fetch that records what Prism said about every exchange.
//
// Every child process runs in its own process group (spawn `detached`) behind a tiny shell
// watchdog: stop() signals the whole group (wrangler, workerd and the watchdog), and should this
// test process die without running its hooks, the watchdog kills the group within a second.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { devServerArgs, localDatabases, migrateArgs } from '../../scripts/local-dev.ts';
import { FAKE_HOST, FAKE_PROVIDER_BINDINGS, fakeProviders } from '../support/fake-providers.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

/** The JWT secret the e2e Workers sign with, so that the test can mint (expired) access tokens. */
export const JWT_SECRET = 'e2e-only-secret-0123456789abcdef0123456789abcdef';

/** No outbound network (Request.cf data, telemetry), no colours or prompts in the logs we parse. */
const CHILD_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  CI: 'true',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};

// --- processes ----------------------------------------------------------------------------------

// `sh -c WATCHDOG sh <pid> <cmd> <args…>`: a background subshell (same process group) polls this
// test process and SIGKILLs the group once it is gone; the shell then execs the command, so the
// group leader's pid is the command's pid.
const WATCHDOG = 'parent=$1; shift; ( while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill -KILL 0 ) & exec "$@"';

const live = new Set<number>();
// Last resort when the process exits without the hooks (e.g. process.exit): nothing may outlive us.
process.on('exit', () => {
  for (const pgid of live) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Managed {
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly pgid: number;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
  ) {
    this.child = spawn('sh', ['-c', WATCHDOG, 'sh', String(process.pid), command, ...args], {
      cwd: ROOT,
      env: CHILD_ENV,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`${name} did not start`);
    this.pgid = this.child.pid;
    live.add(this.pgid);
    const collect = (chunk: Buffer) => this.output.push(chunk.toString('utf8'));
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get log(): string {
    return this.output.join('');
  }

  /** The last lines of output, for failure messages. */
  tail(lines = 40): string {
    return this.log.split('\n').slice(-lines).join('\n');
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM to the group, SIGKILL to whatever is left after 5 s; resolves once the group is empty. */
  async stop(): Promise<void> {
    if (!live.has(this.pgid)) return;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-this.pgid, name);
      } catch {
        // the group is empty
      }
    };
    signal('SIGTERM');
    for (let waited = 0; groupAlive(this.pgid) && waited < 5_000; waited += 100) await sleep(100);
    if (groupAlive(this.pgid)) signal('SIGKILL');
    for (let waited = 0; groupAlive(this.pgid) && waited < 5_000; waited += 100) await sleep(100);
    live.delete(this.pgid);
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    // E2E_LOG_DIR=<dir> keeps every process's output for a look afterwards.
    const keep = process.env.E2E_LOG_DIR;
    if (keep)
      await writeFile(path.join(keep, `${this.name.replace(/[^\w.-]+/g, '-').replace(/-+$/, '')}.log`), this.log).catch(() => undefined);
  }
}

/** A port nobody listens on right now (the kernel's choice), on loopback. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `url` until it answers 200, or what `accept` accepts (or the process dies, or the deadline passes). */
async function waitUntilServing(
  url: string,
  owner: Managed,
  timeoutMs: number,
  accept: (status: number) => boolean = (status) => status === 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!owner.running) throw new Error(`${owner.name} exited before serving ${url}:\n${owner.tail()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (accept(response.status)) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(150);
  }
  throw new Error(`${owner.name} did not serve ${url} within ${timeoutMs} ms (${last}):\n${owner.tail()}`);
}

// --- the Worker -----------------------------------------------------------------------------------

export interface Worker {
  url: string;
  process: Managed;
  stop(): Promise<void>;
}

export interface StateDirs {
  /** One migrated persistence directory per name. */
  dirs: Record<string, string>;
  remove(): Promise<void>;
}

/**
 * Local state for each Worker: `wrangler d1 migrations apply <each database> --local --persist-to <dir>` once,
 * copied for the other names (a second migration run would cost seconds of CPU on a 2-core box).
 */
export async function migratedStateDirs(names: string[]): Promise<StateDirs> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'loglane-e2e-'));
  const remove = () => rm(base, { recursive: true, force: true });
  try {
    const dirs = Object.fromEntries(names.map((name) => [name, path.join(base, name)]));
    const [first, ...others] = names;
    for (const database of localDatabases()) {
      await promisify(execFile)(bin('wrangler'), migrateArgs(database, dirs[first]), { cwd: ROOT, env: CHILD_ENV, timeout: 60_000 });
    }
    for (const name of others) await cp(dirs[first], dirs[name], { recursive: true });
    return { dirs, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

const ADDRESS_IN_USE = /address already in use|EADDRINUSE/i;

/**
 * Starts `command` on `port` (then on fresh ports: another process may take a port between
 * freePort() and the bind) and waits until `readyUrl` answers.
 */
async function launchOnPort(
  name: string,
  command: string,
  args: (port: number) => Promise<string[]>,
  port: number | undefined,
  readyPath: string,
  accept?: (status: number) => boolean,
): Promise<{ process: Managed; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const chosen = attempt === 1 && port !== undefined ? port : await freePort();
    const managed = new Managed(name, command, await args(chosen));
    const url = `http://127.0.0.1:${chosen}`;
    try {
      await waitUntilServing(`${url}${readyPath}`, managed, 45_000, accept);
      return { process: managed, url };
    } catch (error) {
      await managed.stop();
      if (attempt >= 3 || !ADDRESS_IN_USE.test(managed.log)) throw error;
    }
  }
}

/**
 * The Worker as `npm start` runs it (scripts/local-dev.ts' devServerArgs, the same arguments) on a
 * loopback port (`port`, else a free one), persisting to `stateDir` (migrated). Secrets come from an
 * --env-file there, so the repository's .dev.vars is never read; `vars` become --var overrides.
 */
export async function startWorker(
  name: string,
  stateDir: string,
  vars: Record<string, string>,
  secrets: Record<string, string>,
  port?: number,
): Promise<Worker> {
  const envFile = path.join(stateDir, 'e2e.env');
  await writeFile(
    envFile,
    Object.entries(secrets)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
    { mode: 0o600 },
  );
  const args = async (chosen: number) => devServerArgs(chosen, { inspectorPort: await freePort(), persistTo: stateDir, envFile, vars });
  const { process: wrangler, url } = await launchOnPort(`wrangler dev (${name})`, bin('wrangler'), args, port, '/v1/health');
  return { url, process: wrangler, stop: () => wrangler.stop() };
}

// --- Prism ------------------------------------------------------------------------------------------

export interface Prism {
  url: string;
  process: Managed;
  /** Log lines where Prism reported an error, a warning or a violation. */
  complaints(): string[];
  stop(): Promise<void>;
}

/**
 * `prism proxy <spec> <upstream> --errors` on a loopback port (`options.port`, else a free one):
 * forwards every request and answers a response that breaks the contract with 500 +
 * `sl-violations`. With `validateRequest: false` it forwards invalid requests too (for the
 * negative cases), still checking the responses.
 */
export async function startPrism(
  name: string,
  upstream: string,
  options: {
    port?: number;
    spec?: string;
    validateRequest?: boolean;
    /** Ready on any answer, not only 200 (for an upstream that breaks the contract). */
    anyAnswer?: boolean;
  } = {},
): Promise<Prism> {
  const spec = path.join(ROOT, options.spec ?? 'generated/openapi.internal.json');
  const args = async (port: number) => {
    const list = ['proxy', spec, upstream, '--host', '127.0.0.1', '--port', String(port), '--errors', '--cors=false'];
    if (options.validateRequest === false) list.push('--validate-request=false');
    return list;
  };
  const { process: prism, url } = await launchOnPort(
    `prism (${name})`,
    bin('prism'),
    args,
    options.port,
    '/v1/health',
    options.anyAnswer ? () => true : undefined,
  );
  return {
    url,
    process: prism,
    // e.g. "[HTTP SERVER] get /v1/me ✖  error     Request terminated with error: …#VIOLATIONS…"
    complaints: () => prism.log.split('\n').filter((line) => /(✖|⚠)\s+(error|warn|warning|fatal)\b|violation/i.test(line)),
    stop: () => prism.stop(),
  };
}

// --- the fake OAuth provider ------------------------------------------------------------------------

export interface FakeProvider {
  url: string;
  /** The Worker vars and secrets that point GitHub and Google at it. */
  vars: Record<string, string>;
  secrets: Record<string, string>;
  requests: string[];
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/**
 * test/support/fake-providers.ts (the workerd suites' outbound fake) served over loopback HTTP:
 * the Worker under `wrangler dev` makes real fetches, so the fake gets a real address.
 */
export async function startFakeProvider(): Promise<FakeProvider> {
  const requests: string[] = [];
  const server: Server = createHttpServer(async (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    try {
      const body = await readBody(req);
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(key, value);
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const response = await fakeProviders(
        new Request(`${FAKE_HOST}${req.url}`, { method: req.method, headers, body: hasBody ? body : undefined }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const vars: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(FAKE_PROVIDER_BINDINGS)) {
    if (key.endsWith('_URL') && !key.startsWith('MAIL_')) vars[key] = value.replace(FAKE_HOST, url);
    else secrets[key] = value;
  }
  return {
    url,
    vars,
    secrets,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What the fake provider sends back to the OAuth callback for the authorize URL the Worker
 * redirected to: a code standing for the grant (see fake-providers.ts), and the state.
 */
export function oauthGrant(location: URL, grant: { email: string; accountId?: string }): { code: string; state: string } {
  const code = Buffer.from(
    JSON.stringify({
      challenge: location.searchParams.get('code_challenge'),
      accountId: grant.accountId ?? String(Math.floor(Math.random() * 1e9)),
      email: grant.email,
      emailVerified: true,
      name: 'Octo Cat',
    }),
  ).toString('base64url');
  return { code, state: location.searchParams.get('state')! };
}

// --- recording fetch ----------------------------------------------------------------------------------

export interface Exchange {
  via: string;
  method: string;
  path: string;
  status: number;
  /** Prism's `sl-violations` header, when it added one. */
  violations: string | null;
  /** The body of an answer Prism made itself (application/problem+json), when it made one. */
  prismAnswer: string | null;
}

/**
 * A fetch for the client that records every exchange and what Prism said about it: an
 * `sl-violations` header, or an answer of its own (problem+json: a violation under --errors, a
 * refused request, an unreachable upstream). The Worker itself never answers problem+json.
 */
export function recordingFetch(via: string, log: Exchange[]) {
  return async (input: string, init: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    const { pathname, search } = new URL(input);
    const isProblem = response.headers.get('content-type')?.startsWith('application/problem+json') ?? false;
    log.push({
      via,
      method: init.method ?? 'GET',
      path: `${pathname}${search}`,
      status: response.status,
      violations: response.headers.get('sl-violations'),
      prismAnswer: isProblem ? await response.clone().text() : null,
    });
    return response;
  };
}

/** The exchanges where Prism objected, one line each. */
export const objections = (log: Exchange[]) =>
  log
    .filter((e) => e.violations !== null || e.prismAnswer !== null)
    .map((e) => `${e.via}: ${e.method} ${e.path} → ${e.status} ${e.violations ?? ''} ${e.prismAnswer ?? ''}`.trim());
