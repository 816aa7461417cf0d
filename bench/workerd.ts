// In workerd: Miniflare serves each built Worker on its own direct loopback socket; autocannon
// loads them one at a time, in alternating rounds. Ratios are paired with bare POST of the same round.
// Loglane's ingest here sends to a queue without a consumer: that is the request path (on
// Cloudflare the consumer runs in other invocations); the consumer's rate is measured in drain.ts.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { buildReadableWorker } from './lib/build';
import { API_KEY, CREATE_PATH, createBody, ingestBatch, ingestOne, userToken } from './lib/fixtures';
import { directUrl, loglaneWorker, migrateLoglane, migratePeer, peerWorker, startMiniflare } from './lib/mf';
import { type Spread, sleep, spread } from './lib/stats';

type Case = {
  name: string;
  label: string;
  worker: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: (n: number) => string;
  entries?: number;
};

export type WorkerdResult = {
  rounds: number;
  seconds: number;
  connections: number;
  cases: Record<
    string,
    {
      label: string;
      reqPerSec: Spread;
      cpuUsPerRequest: Spread;
      vsBarePost: Spread;
      vsChanfana: Spread;
      p50ms: Spread;
      p99ms: Spread;
      non2xx: number;
      errors: number;
      entriesPerSec?: Spread;
    }
  >;
};

// One counter for the whole run: every create gets a slug never used before.
let n = 0;
async function load(url: string, c: Case, seconds: number, connections: number) {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: c.method,
        path: c.path,
        headers: c.headers,
        ...(c.body ? { setupRequest: (req: any) => ({ ...req, body: c.body!(n++) }) } : {}),
      },
    ],
  } as any);
  return result;
}

/** Every case of the workerd run; the PROPOSED ones only with `proposed` (bench/proposals.ts). */
async function allCases(proposed: boolean): Promise<Case[]> {
  const token = await userToken();
  const json = { 'content-type': 'application/json' };
  const asUser = { ...json, authorization: `Bearer ${token}` };
  const asKey = { ...json, 'x-api-key': API_KEY };
  const batches = Array.from({ length: 16 }, (_, i) => ingestBatch(i));
  return [
    { name: 'bare-get', label: 'bare GET (JSON)', worker: 'bare', method: 'GET', path: '/hello', headers: {} },
    {
      name: 'bare-post',
      label: 'bare POST (JSON + D1 insert)',
      worker: 'bare',
      method: 'POST',
      path: CREATE_PATH,
      headers: json,
      body: createBody,
    },
    {
      name: 'starter',
      label: 'peer: @hono/zod-openapi starter create',
      worker: 'starter',
      method: 'POST',
      path: CREATE_PATH,
      headers: json,
      body: createBody,
    },
    {
      name: 'chanfana',
      label: 'peer: chanfana create',
      worker: 'chanfana',
      method: 'POST',
      path: CREATE_PATH,
      headers: json,
      body: createBody,
    },
    {
      name: 'loglane',
      label: 'Loglane createProject, full pipeline (dev: req+res validation)',
      worker: 'loglane-dev',
      method: 'POST',
      path: CREATE_PATH,
      headers: asUser,
      body: createBody,
    },
    {
      name: 'loglane-prod',
      label: 'Loglane createProject, production config',
      worker: 'loglane-prod',
      method: 'POST',
      path: CREATE_PATH,
      headers: asUser,
      body: createBody,
    },
    {
      name: 'ingest-1',
      label: 'Loglane POST /v1/logs, 1 entry (production config)',
      worker: 'loglane-prod',
      method: 'POST',
      path: '/v1/logs',
      headers: asKey,
      body: ingestOne,
      entries: 1,
    },
    {
      name: 'ingest-1-dev',
      label: 'Loglane POST /v1/logs, 1 entry (dev: req+res validation)',
      worker: 'loglane-dev',
      method: 'POST',
      path: '/v1/logs',
      headers: asKey,
      body: ingestOne,
      entries: 1,
    },
    {
      name: 'ingest-100',
      label: 'Loglane POST /v1/logs, 100 entries (production config)',
      worker: 'loglane-prod',
      method: 'POST',
      path: '/v1/logs',
      headers: asKey,
      body: (n) => batches[n % batches.length],
      entries: 100,
    },
    ...(proposed
      ? ([
          {
            name: 'proposed-prod',
            label: 'PROPOSED createProject, production config',
            worker: 'proposed-prod',
            method: 'POST',
            path: CREATE_PATH,
            headers: asUser,
            body: createBody,
          },
          {
            name: 'proposed-ingest-1',
            label: 'PROPOSED POST /v1/logs, 1 entry (production config)',
            worker: 'proposed-prod',
            method: 'POST',
            path: '/v1/logs',
            headers: asKey,
            body: ingestOne,
            entries: 1,
          },
          {
            name: 'proposed-ingest-100',
            label: 'PROPOSED POST /v1/logs, 100 entries (production config)',
            worker: 'proposed-prod',
            method: 'POST',
            path: '/v1/logs',
            headers: asKey,
            body: (n: number) => batches[n % batches.length],
            entries: 100,
          },
        ] satisfies Case[])
      : []),
  ];
}

/**
 * CPU seconds used so far by the workerd processes this process started (Linux /proc: utime +
 * stime at 100 ticks a second). Per request, this is the Worker's, its Durable Objects' and their
 * storage's CPU together, and it holds still when other work shares the cores, unlike req/s.
 */
function workerdCpuSeconds(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // After "pid (comm) ": state, ppid, …, utime (12th), stime (13th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (stat.includes('(workerd)') && Number(fields[1]) === process.pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

export async function runWorkerd(opts: {
  rounds: number;
  seconds: number;
  connections: number;
  log: (s: string) => void;
  proposed?: boolean;
  only?: string[];
}): Promise<WorkerdResult> {
  const proposedWorkers = opts.proposed
    ? [loglaneWorker({ name: 'proposed-prod', bundle: 'proposed', environment: 'production', queue: 'undrained' })]
    : [];
  const mf = await startMiniflare([
    ...proposedWorkers,
    peerWorker('bare'),
    peerWorker('starter'),
    peerWorker('chanfana'),
    loglaneWorker({ name: 'loglane-dev', environment: 'development', queue: 'undrained' }),
    loglaneWorker({ name: 'loglane-prod', environment: 'production', queue: 'undrained' }),
  ]);
  try {
    for (const w of ['bare', 'starter', 'chanfana']) await migratePeer(mf, w);
    for (const w of ['loglane-dev', 'loglane-prod', ...proposedWorkers.map((w) => w.name!)]) await migrateLoglane(mf, w);
    const all = await allCases(opts.proposed ?? false);
    const cases = opts.only ? all.filter((c) => opts.only!.includes(c.name)) : all;
    const urls = Object.fromEntries(
      await Promise.all(
        ['bare', 'starter', 'chanfana', 'loglane-dev', 'loglane-prod', ...proposedWorkers.map((w) => w.name!)].map(
          async (w) => [w, await directUrl(mf, w)] as const,
        ),
      ),
    );

    // Warm-up: every case once, briefly (also checks each answers 2xx).
    for (const c of cases) {
      const r = await load(urls[c.worker], c, 1, opts.connections);
      if (r.non2xx || r.errors) opts.log(`  warm-up ${c.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    }
    const rps: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
    const p50: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
    const p99: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
    const cpuUs: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
    const bad: Record<string, { non2xx: number; errors: number }> = Object.fromEntries(
      cases.map((c) => [c.name, { non2xx: 0, errors: 0 }]),
    );
    for (let r = 0; r < opts.rounds; r++) {
      const order = cases.map((_, i) => cases[(i + r) % cases.length]);
      for (const c of order) {
        const cpuBefore = workerdCpuSeconds();
        const res = await load(urls[c.worker], c, opts.seconds, opts.connections);
        cpuUs[c.name].push(((workerdCpuSeconds() - cpuBefore) / res.requests.total) * 1e6);
        rps[c.name].push(res.requests.average);
        p50[c.name].push(res.latency.p50);
        p99[c.name].push(res.latency.p99);
        bad[c.name].non2xx += res.non2xx;
        bad[c.name].errors += res.errors + res.timeouts;
        await sleep(200);
      }
      opts.log(`  workerd round ${r + 1}/${opts.rounds}`);
    }
    const paired = (name: string, base: string) => rps[name].map((x, i) => x / rps[base][i]);
    const result: WorkerdResult = { rounds: opts.rounds, seconds: opts.seconds, connections: opts.connections, cases: {} };
    for (const c of cases) {
      result.cases[c.name] = {
        label: c.label,
        reqPerSec: spread(rps[c.name]),
        cpuUsPerRequest: spread(cpuUs[c.name]),
        vsBarePost: spread(paired(c.name, 'bare-post')),
        vsChanfana: spread(paired(c.name, 'chanfana')),
        p50ms: spread(p50[c.name]),
        p99ms: spread(p99[c.name]),
        ...bad[c.name],
        ...(c.entries ? { entriesPerSec: spread(rps[c.name].map((x) => x * c.entries!)) } : {}),
      };
    }
    return result;
  } finally {
    await mf.dispose();
  }
}

/**
 * A V8 CPU profile of Loglane's Worker isolate (which also runs its RateLimiter objects) while
 * autocannon loads one Loglane case, taken over the inspector protocol from an unminified bundle;
 * written to `out`. CPU outside the isolate (the HTTP server, storage, the queue) is not in it.
 * Needs a global WebSocket (Node 22+, or Node 20 with --experimental-websocket).
 */
async function profileWorkerd(caseName: string, seconds: number, out: string) {
  await buildReadableWorker();
  const c = (await allCases(false)).find((x) => x.name === caseName && x.worker.startsWith('loglane'));
  if (!c) throw new Error(`no Loglane workerd case ${caseName}`);
  const inspectorPort = 9300 + (process.pid % 600);
  const environment = c.worker === 'loglane-prod' ? 'production' : 'development';
  const mf = await startMiniflare([loglaneWorker({ name: c.worker, bundle: 'loglane-readable', environment, queue: 'undrained' })], {
    inspectorPort,
  });
  try {
    await migrateLoglane(mf, c.worker);
    const url = await directUrl(mf, c.worker);
    await load(url, c, 2, 16); // warm-up
    const targets: { title: string; webSocketDebuggerUrl: string }[] = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
    const target = targets.find((t) => t.title.endsWith(`worker core:user:${c.worker}`));
    if (!target) throw new Error(`no inspector target for ${c.worker}: ${targets.map((t) => t.title).join(', ')}`);
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve);
      socket.addEventListener('error', reject);
    });
    const answers = new Map<number, (result: any) => void>();
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data));
      answers.get(message.id)?.(message.result);
    });
    let id = 0;
    const call = (method: string, params: object = {}) =>
      new Promise<any>((resolve) => {
        answers.set(++id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      });
    await call('Profiler.enable');
    await call('Profiler.setSamplingInterval', { interval: 100 });
    await call('Profiler.start');
    const res = await load(url, c, seconds, 16);
    const { profile } = await call('Profiler.stop');
    socket.close();
    writeFileSync(out, JSON.stringify(profile));
    return { requests: res.requests.total };
  } finally {
    await mf.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === '--profile') {
  const { requests } = await profileWorkerd(process.argv[3], Number(process.argv[4] ?? 8), process.argv[5]);
  console.log(`${process.argv[3]} in workerd: ${requests} requests while profiling`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runWorkerd({
    rounds: Number(process.argv[2] ?? 2),
    seconds: Number(process.argv[3] ?? 2),
    connections: 16,
    log: console.error,
  });
  for (const [k, v] of Object.entries(r.cases))
    console.log(
      k.padEnd(14),
      v.reqPerSec.median.toFixed(0),
      'req/s',
      v.cpuUsPerRequest.median.toFixed(0),
      'µs CPU/req',
      v.vsBarePost.median.toFixed(2),
      'x bare-post',
      v.vsChanfana.median.toFixed(2),
      'x chanfana',
      'non2xx',
      v.non2xx,
      'err',
      v.errors,
    );
}
