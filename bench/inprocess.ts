// In-process: app.request() in Node, one request at a time, µs of CPU per request. Every contender is an
// esbuild bundle of its app (bench/lib/build.ts) loaded into THIS process and given the same
// StubD1 (bench/lib/d1-stub.ts). Several alternating rounds; every ratio is paired with the bare
// POST of the same round.
//   node --import tsx bench/inprocess.ts [--out file.json] [--rounds N] [--round-ms ms] [--cases a,b] [--proposed]
//                                       [--profile case --seconds S]
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { verify } from 'hono/jwt';
import { inprocBundle } from './lib/build';
import { API_KEY, CREATE_PATH, createBody, ingestBatch, ingestOne, JWT_SECRET, userToken } from './lib/fixtures';
import { executionCtx, nodeEnv } from './lib/node-env';
import { type Spread, spread } from './lib/stats';

const args = process.argv.slice(2);
const opt = (name: string, fallback?: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

type App = { request: (input: string, init: RequestInit, env: unknown, ctx: unknown) => Response | Promise<Response> };
type Case = {
  name: string;
  label: string;
  expect: number;
  send: (n: number) => Response | Promise<Response>;
  micro?: () => Promise<unknown>;
};

const load = async (name: string) => (await import(pathToFileURL(inprocBundle(name)).href)) as { default?: App; createApp?: () => App };

export async function cases(): Promise<Case[]> {
  const [bare, starter, chanfana, loglane, novalidate] = await Promise.all(
    ['bare', 'starter', 'chanfana', 'loglane', 'loglane-novalidate'].map(load),
  );
  const token = await userToken();
  const hmac = await crypto.subtle.importKey('raw', encoder.encode(JWT_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const dev = nodeEnv('development');
  const prod = nodeEnv('production');
  const json = { 'content-type': 'application/json' };
  const asUser = { ...json, authorization: `Bearer ${token}` };
  const asKey = { ...json, 'x-api-key': API_KEY };
  // Content-Length as every HTTP client sends it for a fixed body (a Request built in-process has none).
  const post = (app: App, path: string, headers: Record<string, string>, body: (n: number) => string, env: unknown) => (n: number) => {
    const text = body(n);
    return app.request(
      `http://bench.local${path}`,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(text)) }, body: text },
      env,
      executionCtx,
    );
  };
  const loglaneApp = loglane.createApp!();
  const novalidateApp = novalidate.createApp!();
  return [
    {
      name: 'bare-get',
      label: 'bare GET (JSON)',
      expect: 200,
      send: () => bare.default!.request('http://bench.local/hello', {}, dev, executionCtx),
    },
    {
      name: 'bare-post',
      label: 'bare POST (JSON + D1 insert)',
      expect: 201,
      send: post(bare.default!, CREATE_PATH, json, createBody, dev),
    },
    {
      name: 'starter',
      label: 'peer: @hono/zod-openapi starter create',
      expect: 201,
      send: post(starter.default!, CREATE_PATH, json, createBody, dev),
    },
    { name: 'chanfana', label: 'peer: chanfana create', expect: 201, send: post(chanfana.default!, CREATE_PATH, json, createBody, dev) },
    {
      name: 'loglane',
      label: 'Loglane createProject, full pipeline (dev: req+res validation)',
      expect: 201,
      send: post(loglaneApp, CREATE_PATH, asUser, createBody, dev),
    },
    {
      name: 'loglane-prod',
      label: 'Loglane createProject, production config (req validation)',
      expect: 201,
      send: post(loglaneApp, CREATE_PATH, asUser, createBody, prod),
    },
    {
      name: 'loglane-novalidate',
      label: 'Loglane createProject, no contract validation',
      expect: 201,
      send: post(novalidateApp, CREATE_PATH, asUser, createBody, prod),
    },
    {
      name: 'ingest-1',
      label: 'Loglane POST /v1/logs, 1 entry (dev)',
      expect: 202,
      send: post(loglaneApp, '/v1/logs', asKey, ingestOne, dev),
    },
    {
      name: 'ingest-100',
      label: 'Loglane POST /v1/logs, 100 entries (dev)',
      expect: 202,
      send: post(loglaneApp, '/v1/logs', asKey, (n) => BATCH_BODIES[n % BATCH_BODIES.length], dev),
    },
    // Floors, not contenders: what one credential check costs in Node's WebCrypto (async, on the
    // thread pool), measured in the same interleaving. Every JWT route pays at least one verify.
    {
      name: 'floor-verify',
      label: 'floor: one HS256 JWT verify (hono/jwt, key imported once)',
      expect: 0,
      send: null as never,
      micro: () => verify(token, hmac, { alg: 'HS256', iss: 'loglane', aud: 'loglane-api' }),
    },
    {
      name: 'floor-sha256',
      label: 'floor: one SHA-256 digest (API-key hash)',
      expect: 0,
      send: null as never,
      micro: () => crypto.subtle.digest('SHA-256', encoder.encode(API_KEY)),
    },
    ...(args.includes('--proposed') ? await proposedCases(post, asUser, asKey, dev, prod) : []),
  ];
}
/** bench/proposals.ts: the same paths on the tree with the proposed src/ change applied. */
async function proposedCases(
  post: any,
  asUser: Record<string, string>,
  asKey: Record<string, string>,
  dev: unknown,
  prod: unknown,
): Promise<Case[]> {
  const app = (await load('proposed')).createApp!();
  const novalidate = (await load('proposed-novalidate')).createApp!();
  return [
    {
      name: 'proposed',
      label: 'PROPOSED createProject, full pipeline (dev)',
      expect: 201,
      send: post(app, CREATE_PATH, asUser, createBody, dev),
    },
    {
      name: 'proposed-prod',
      label: 'PROPOSED createProject, production config',
      expect: 201,
      send: post(app, CREATE_PATH, asUser, createBody, prod),
    },
    {
      name: 'proposed-novalidate',
      label: 'PROPOSED createProject, no contract validation',
      expect: 201,
      send: post(novalidate, CREATE_PATH, asUser, createBody, prod),
    },
    {
      name: 'proposed-ingest-1',
      label: 'PROPOSED POST /v1/logs, 1 entry (dev)',
      expect: 202,
      send: post(app, '/v1/logs', asKey, ingestOne, dev),
    },
    {
      name: 'proposed-ingest-100',
      label: 'PROPOSED POST /v1/logs, 100 entries (dev)',
      expect: 202,
      send: post(app, '/v1/logs', asKey, (n: number) => BATCH_BODIES[n % BATCH_BODIES.length], dev),
    },
  ];
}
const BATCH_BODIES = Array.from({ length: 16 }, (_, i) => ingestBatch(i));

const encoder = new TextEncoder();
let counter = 0;
async function once(c: Case): Promise<void> {
  if (c.micro) {
    await c.micro();
    return;
  }
  const res = await c.send(counter++);
  const text = await res.text();
  if (res.status !== c.expect) throw new Error(`${c.name}: expected ${c.expect}, got ${res.status}: ${text.slice(0, 300)}`);
}

/**
 * Runs a block of requests back to back; the process's CPU ms meanwhile (user + system, GC threads
 * included). CPU rather than wall time: on shared cores the wall clock also counts the time other
 * processes held the core.
 */
async function block(c: Case, size: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < size; i++) await once(c);
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

/**
 * One round: small blocks of every contender, interleaved (order rotated every pass), for about
 * `ms` in all. The machine is shared and noisy; interleaving at this grain makes every contender
 * see the same noise, so the per-round ratios are paired.
 */
async function roundOf(live: Case[], ms: number, blockSize: number, errors: Map<string, string>): Promise<Record<string, number>> {
  const spent: Record<string, number> = Object.fromEntries(live.map((c) => [c.name, 0]));
  const count: Record<string, number> = Object.fromEntries(live.map((c) => [c.name, 0]));
  const until = performance.now() + ms;
  for (let pass = 0; performance.now() < until; pass++) {
    for (let i = 0; i < live.length; i++) {
      const c = live[(i + pass) % live.length];
      if (errors.has(c.name)) continue;
      try {
        spent[c.name] += await block(c, blockSize);
        count[c.name] += blockSize;
      } catch (e) {
        errors.set(c.name, String(e));
      }
    }
  }
  return Object.fromEntries(live.map((c) => [c.name, (spent[c.name] * 1000) / count[c.name]]));
}

export type InProcessResult = {
  rounds: number;
  roundMs: number;
  blockSize: number;
  d1: string;
  cases: Record<string, { label: string; usPerRequest: Spread; vsBarePost: Spread; vsBareGet: Spread; error?: string }>;
  /** Development and tests: request and response validated. */
  validationOverhead?: Spread;
  /** Production (what deploys): requests validated, responses not. */
  productionValidationOverhead?: Spread;
  proposedValidationOverhead?: Spread;
};

async function main() {
  const only = opt('cases')?.split(',');
  const all = (await cases()).filter((c) => !only || only.includes(c.name) || c.name === 'bare-post' || c.name === 'bare-get');
  const profile = opt('profile');
  if (profile) {
    const c = all.find((x) => x.name === profile)!;
    const seconds = Number(opt('seconds', '8'));
    for (let i = 0; i < 2000; i++) await once(c);
    const ms = seconds * 1000;
    const n = Math.max(1, Math.round(ms / 2));
    let spent = 0;
    let done = 0;
    while (spent < ms) {
      spent += await block(c, 64);
      done += 64;
    }
    console.log(`${c.name}: ${((spent * 1000) / done).toFixed(1)} µs/request while profiling (${n})`);
    return;
  }
  const rounds = Number(opt('rounds', '7'));
  const roundMs = Number(opt('round-ms', '4000'));
  const errors = new Map<string, string>();
  // Warm-up: JIT every path.
  for (const c of all) {
    try {
      for (let i = 0; i < 1500; i++) await once(c);
    } catch (e) {
      errors.set(c.name, String(e));
      console.error(String(e));
    }
  }
  const live = all.filter((c) => !errors.has(c.name));
  const us: Record<string, number[]> = Object.fromEntries(live.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    const perRequest = await roundOf(live, roundMs, 8, errors);
    for (const c of live) if (!errors.has(c.name)) us[c.name].push(perRequest[c.name]);
    process.stderr.write(`  in-process round ${r + 1}/${rounds}\n`);
  }
  const paired = (name: string, base: string) => us[name].map((x, i) => us[base][i] / x);
  const result: InProcessResult = {
    rounds,
    roundMs,
    blockSize: 8,
    d1: 'in-memory D1 stub (bench/lib/d1-stub.ts), the same for every contender; Loglane also gets in-memory rate-limiter/queue stand-ins',
    cases: {},
  };
  for (const c of all) {
    if (errors.has(c.name) || !us[c.name]?.length) {
      result.cases[c.name] = { label: c.label, error: errors.get(c.name) } as any;
      continue;
    }
    result.cases[c.name] = {
      label: c.label,
      usPerRequest: spread(us[c.name]),
      vsBarePost: spread(paired(c.name, 'bare-post')),
      vsBareGet: spread(paired(c.name, 'bare-get')),
    };
  }
  if (us.loglane?.length && us['loglane-novalidate']?.length) result.validationOverhead = spread(paired('loglane', 'loglane-novalidate'));
  if (us['loglane-prod']?.length && us['loglane-novalidate']?.length)
    result.productionValidationOverhead = spread(paired('loglane-prod', 'loglane-novalidate'));
  if (us.proposed?.length && us['proposed-novalidate']?.length)
    result.proposedValidationOverhead = spread(paired('proposed', 'proposed-novalidate'));
  const out = opt('out');
  if (out) writeFileSync(out, JSON.stringify(result, null, 2));
  else console.log(JSON.stringify(result, null, 2));
}

await main();
