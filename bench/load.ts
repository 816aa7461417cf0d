// Load on `npm start` (wrangler dev): started in its own process group (setsid) on a free port with
// its own state directory, a tenant made through the API, then 30 s on loopback
// mixing ingest (1 and 20 entries) and queries (d1 and kv) from a closed loop of clients. Pass: no status but 2xx and the
// intended 429s; once the queue has drained, stored entries equal accepted ones. The group is
// stopped at the end whatever happens.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEV_ENV, localDatabases, migrateArgs } from '../scripts/local-dev.ts';
import { ROOT } from './lib/build';
import { ingestBatch, ingestOne } from './lib/fixtures';
import { sleep } from './lib/stats';

export type LoadResult = {
  seconds: number;
  connections: number;
  requests: number;
  byStatus: Record<string, number>;
  unintended: number;
  acceptedEntries: number;
  storedEntries: number;
  drainSeconds: number | null;
  ingestReqPerSec: number;
  ok: boolean;
  note?: string;
};

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const WRANGLER = path.join(ROOT, 'node_modules/.bin/wrangler');
const quietEnv = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true' };

function stopGroup(child: ChildProcess) {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}

async function api(base: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => null)) as any;
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json.data;
}

export async function runLoad(opts: { seconds: number; connections: number; log: (s: string) => void }): Promise<LoadResult> {
  const port = await freePort();
  const state = mkdtempSync(path.join(os.tmpdir(), 'loglane-bench-start-'));
  // The local databases of this state directory get the migrations first (npm start migrates the default one).
  for (const database of localDatabases()) {
    const migrate = spawnSync(WRANGLER, migrateArgs(database, state), { cwd: ROOT, env: quietEnv, encoding: 'utf8' });
    if (migrate.status !== 0) throw new Error(`migrations: ${migrate.stderr}`);
  }
  // setsid: npm, wrangler and workerd share one new process group, stopped together below.
  const child = spawn('setsid', ['npm', 'start', '--', '--persist-to', state], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${base}/v1/health`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up: ${output.slice(-800)}`);
      await sleep(250);
    }
    // A tenant, the way a client makes one.
    const email = `bench-${Date.now()}@example.com`;
    await api(base, 'POST', '/v1/auth/register', { email, password: 'bench-password-123', name: 'Bench' });
    const outbox = await api(base, 'GET', `/v1/dev/outbox?to=${encodeURIComponent(email)}`);
    await api(base, 'POST', '/v1/auth/verify-email', { token: outbox[0].token });
    const session = await api(base, 'POST', '/v1/auth/login', { email, password: 'bench-password-123' });
    const asUser = { authorization: `Bearer ${session.accessToken}` };
    const ws = await api(base, 'POST', '/v1/workspaces', { name: 'Bench', slug: `bench-${Date.now().toString(36)}` }, asUser);
    const project = await api(base, 'POST', `/v1/workspaces/${ws.id}/projects`, { name: 'Bench', slug: 'bench-load' }, asUser);
    const key = await api(
      base,
      'POST',
      `/v1/workspaces/${ws.id}/projects/${project.id}/api-keys`,
      { name: 'bench', scopes: ['logs:write', 'logs:read'] },
      asUser,
    );
    const headers = { 'content-type': 'application/json', 'x-api-key': key.secret };

    const byStatus: Record<string, number> = {};
    let accepted = 0;
    let ingestOk = 0;
    let n = 0;
    const count = (status: number, body: string, ingest: boolean) => {
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      if (status === 202) {
        accepted += JSON.parse(body).data.accepted;
        if (ingest) ingestOk++;
      }
      if (status === 429 && !body.includes('RATE_LIMITED')) byStatus['429-unexpected'] = (byStatus['429-unexpected'] ?? 0) + 1;
    };
    opts.log(`  load: ${opts.seconds} s on npm start (port ${port})`);
    // A closed loop of `connections` clients (not autocannon: every request sent is awaited and
    // counted, so accepted entries are exact even for the requests in flight at the end).
    const kinds = [
      { method: 'POST', path: '/v1/logs', body: () => ingestOne(n++), ingest: true },
      { method: 'POST', path: '/v1/logs', body: () => ingestBatch(n++, 20), ingest: true },
      { method: 'GET', path: '/v1/logs?level=warn&level=error&limit=100', ingest: false },
      { method: 'GET', path: '/v1/logs?source=kv&limit=100', ingest: false },
    ];
    let errors = 0;
    let total = 0;
    const until = Date.now() + opts.seconds * 1000;
    await Promise.all(
      Array.from({ length: opts.connections }, async (_, worker) => {
        for (let i = worker; Date.now() < until; i++) {
          const kind = kinds[i % kinds.length];
          total++;
          try {
            const res = await fetch(`${base}${kind.path}`, { method: kind.method, headers, body: kind.body?.() });
            count(res.status, await res.text(), kind.ingest);
          } catch {
            errors++;
          }
        }
      }),
    );
    const unintended =
      Object.entries(byStatus)
        .filter(([s]) => !['200', '202', '429'].includes(s))
        .reduce((a, [, c]) => a + c, 0) + errors;

    // Drain: stored entries of the project, summed over the log shards' blocks in the same local state, until they equal accepted.
    const stored = () => {
      try {
        return localDatabases()
          .filter((database) => database !== 'DB')
          .reduce((sum, shard) => {
            const sql = `SELECT COALESCE(SUM(entries), 0) AS n FROM log_blocks WHERE project_id = '${project.id}'`;
            const r = spawnSync(
              WRANGLER,
              ['d1', 'execute', shard, '--local', '--env', DEV_ENV, '--persist-to', state, '--json', '--command', sql],
              { cwd: ROOT, env: quietEnv, encoding: 'utf8' },
            );
            return sum + (JSON.parse(r.stdout)[0].results[0].n as number);
          }, 0);
      } catch {
        return -1;
      }
    };
    const t0 = performance.now();
    let storedEntries = stored();
    let drainSeconds: number | null = null;
    while (performance.now() - t0 < 90_000) {
      if (storedEntries === accepted) {
        drainSeconds = Number(((performance.now() - t0) / 1000).toFixed(1));
        break;
      }
      await sleep(2000);
      storedEntries = stored();
    }
    return {
      seconds: opts.seconds,
      connections: opts.connections,
      requests: total,
      byStatus,
      unintended,
      acceptedEntries: accepted,
      storedEntries,
      drainSeconds,
      ingestReqPerSec: Number((ingestOk / opts.seconds).toFixed(1)),
      ok: unintended === 0 && storedEntries === accepted,
      ...(process.env.BENCH_DEBUG || unintended > 0 || storedEntries !== accepted
        ? {
            note: output
              .split('\n')
              .filter((l) => /error|warn/i.test(l))
              .slice(0, 20)
              .join('\n'),
          }
        : {}),
    };
  } finally {
    stopGroup(child);
    await new Promise((r) => setTimeout(r, 1500));
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* stopped */
      }
    }
    rmSync(state, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  console.log(await runLoad({ seconds: Number(process.argv[2] ?? 10), connections: 8, log: console.error }));
