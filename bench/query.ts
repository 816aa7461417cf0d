// Query growth: p50/p95 of GET /v1/logs (pages of 100) through the whole Worker in workerd, at 10k,
// 100k and 1M stored entries, for every filter (and a few combinations), from source=d1 and
// source=kv. Entries are spread over 10 projects (the queried one holds a tenth), with times rising
// across the last 23 hours, all on log shard LOGS_0, with 8 services, a rare status 503, three
// regions and a rare "timeout" message. The shard is seeded with the consumer's own block encoding
// (src/blocks/format.ts) straight into the migrated database; KV holds the queried project's entries
// in the consumer's bucket layout (src/kv/recent-logs.ts), 1,000 per bucket. A request looks at no
// more than SCAN_BUDGET stored entries, so a sparse filter's page holds fewer than 100: each
// filter also reports how many its page held.
import { encodeBlocks } from '../src/blocks/format';
import { rememberRecent } from '../src/kv/recent-logs';
import type { LogEntry, LogMessage } from '../src/model/logs';
import { candidateBlocks, insertBlockStatements } from '../src/repositories/log-blocks';
import { buildAll } from './lib/build';
import { API_KEY, PROJECT_ID, WORKSPACE_ID } from './lib/fixtures';
import { directUrl, loglaneWorker, migrateLoglane, startMiniflare } from './lib/mf';
import { quantile } from './lib/stats';

const WINDOW_MS = 23 * 3600 * 1000;
const FINAL = 1_000_000;
const PROJECTS = Array.from({ length: 10 }, (_, i) => (i === 0 ? PROJECT_ID : `prj_other${i}`));
const SERVICES = ['api', 'web', 'worker', 'billing', 'auth', 'search', 'mailer', 'cron'];
const REGIONS = ['eu', 'us', 'ap'];
const t0 = Date.now() - WINDOW_MS;
const hoursIn = (hours: number) => encodeURIComponent(new Date(t0 + hours * 3600 * 1000).toISOString());

/** Query strings measured (each with `&source=…`); text search is d1 only. `cursor` gets the 5th page's cursor. */
const FILTERS: Record<string, string> = {
  'first page': '',
  'cursor (page 5)': 'cursor=CURSOR',
  'order=asc': 'order=asc',
  'levels error+fatal': 'level=error&level=fatal',
  service: 'service=billing',
  'attribute (2%)': 'attributes[status]=503',
  'since/until (2 h)': `since=${hoursIn(10)}&until=${hoursIn(12)}`,
  'text q (0.2%)': 'q=timeout',
  'text q, no match': 'q=nowhere%20to%20be%20found',
  'service + level': 'service=billing&level=error&level=fatal',
  'attributes + service + since/until': `attributes[region]=eu&attributes[status]=503&service=api&service=web&since=${hoursIn(2)}&until=${hoursIn(20)}`,
  'q + level, asc': 'q=timeout&level=warn&order=asc',
};
const TEXT = /(^|&)q=/;

type Pct = { p50: number; p95: number };
/** A filter's latency, and how many entries its page held (fewer than 100 when the scan budget ends a sparse walk). */
type Measured = Pct & { entries: number };
type ByFilter = Record<string, Measured>;
export type QueryPoint = {
  stored: number;
  seedSeconds: number;
  d1: ByFilter;
  kv: ByFilter;
  kvEntries: number;
  health: Pct;
  compare?: { d1: ByFilter; kv: ByFilter };
};
export type QueryResult = {
  filters: Record<string, string>;
  samples: number;
  points: QueryPoint[];
  /** the slowest filter's p95 at the largest size */
  d1WorstP95?: { filter: string; p95: number };
  kvWorstP95?: { filter: string; p95: number };
  /** per filter: p95 at the largest size / p95 at 10k */
  d1P95GrowthVs10k?: Record<string, number>;
  kvP95GrowthVs10k?: Record<string, number>;
  plan: string[];
  usesIndexOnly: boolean;
  note?: string;
};

const level = (j: number): LogEntry['level'] => {
  const band = j % 40;
  return band < 12 ? 'debug' : band < 30 ? 'info' : band < 36 ? 'warn' : band < 39 ? 'error' : 'fatal';
};

/** Entry i (of the whole run); j = i / 10 is its position in its project. */
function entryAt(i: number): LogEntry {
  const j = Math.floor(i / 10);
  const timestamp = new Date(t0 + Math.floor((i * WINDOW_MS) / FINAL)).toISOString();
  const timeout = j % 500 === 7;
  return {
    id: `log_seed${String(i).padStart(8, '0')}`,
    projectId: PROJECTS[i % 10],
    level: level(j),
    ...(j % 16 === 15 ? {} : { service: SERVICES[(j >> 1) % SERVICES.length] }),
    message: timeout
      ? `GET /api/orders/${j % 997} upstream timeout after 30000 ms`
      : `GET /api/orders/${j % 997} answered 200 in ${j % 300} ms`,
    timestamp,
    receivedAt: timestamp,
    attributes: { route: '/api/orders/:id', status: timeout || j % 50 === 3 ? 503 : 200, region: REGIONS[j % 3] },
  };
}

const worst = (byFilter: ByFilter) =>
  Object.entries(byFilter).reduce((a, [filter, { p95 }]) => (p95 > a.p95 ? { filter, p95 } : a), { filter: '', p95: 0 });
const growth = (last: ByFilter, first: ByFilter) =>
  Object.fromEntries(Object.keys(last).map((name) => [name, Number((last[name].p95 / first[name].p95).toFixed(2))]));

export async function runQuery(opts: {
  sizes: number[];
  samples: number;
  budgetSeconds: number;
  log: (s: string) => void;
  /** Also measure this bundle on the same data, interleaved (reported as `compare`). */
  compareBundle?: string;
}): Promise<QueryResult> {
  const mf = await startMiniflare([
    loglaneWorker({ name: 'query', environment: 'production' }),
    ...(opts.compareBundle
      ? [loglaneWorker({ name: 'query-compare', environment: 'production', bundle: opts.compareBundle, storageOf: 'query' })]
      : []),
  ]);
  const started = performance.now();
  try {
    const db = await migrateLoglane(mf, 'query');
    const kv = await mf.getKVNamespace('CACHE', 'query');
    const url = await directUrl(mf, 'query');
    const compareUrl = opts.compareBundle ? await directUrl(mf, 'query-compare') : undefined;
    const now = new Date().toISOString();
    for (const id of PROJECTS.slice(1)) {
      await db
        .prepare(
          `INSERT INTO projects (id, workspace_id, name, slug, retention_days, created_at, updated_at) VALUES (?, ?, 'other', ?, 30, ?, ?)`,
        )
        .bind(id, WORKSPACE_ID, `other-${id}`, now, now)
        .run();
    }
    const shard = await mf.getD1Database('LOGS_0', 'query');
    const seed = async (from: number, to: number) => {
      const CHUNK = 20_000;
      let kvEntries = 0;
      for (let a = from; a < to; a += CHUNK) {
        const byProject = new Map<string, LogEntry[]>(PROJECTS.map((p) => [p, []]));
        for (let i = a; i < Math.min(to, a + CHUNK); i++) byProject.get(PROJECTS[i % 10])!.push(entryAt(i));
        const blocks = (
          await Promise.all([...byProject].map(([projectId, entries]) => encodeBlocks(projectId, entries, new Set())))
        ).flat();
        await shard.batch(insertBlockStatements(shard as unknown as D1Database, blocks) as any);
        // The queried project's new entries into KV, in consumer-sized buckets.
        const queried = byProject.get(PROJECT_ID)!;
        for (let b = 0; b < queried.length; b += 1000) {
          const bucket = queried.slice(b, b + 1000);
          const message: LogMessage = {
            v: 1,
            projectId: PROJECT_ID,
            receivedAt: bucket[bucket.length - 1].timestamp,
            entries: bucket.map(({ projectId: _p, receivedAt: _r, ...entry }) => entry),
          };
          await rememberRecent(kv as unknown as KVNamespace, [message], Date.now());
          kvEntries += bucket.length;
        }
      }
      return kvEntries;
    };

    const headers = { 'x-api-key': API_KEY };
    const get = async (path: string, base = url) => {
      const res = await fetch(`${base}${path}`, { headers });
      const body = (await res.json()) as { data?: { entries?: unknown[] }; meta?: { nextCursor?: string } };
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      return body;
    };
    const measure = async (path: string, base = url) => {
      for (let i = 0; i < 5; i++) await get(path, base);
      const xs: number[] = [];
      let entries = 0;
      for (let i = 0; i < opts.samples; i++) {
        const t = performance.now();
        entries = (await get(path, base)).data?.entries?.length ?? 0;
        xs.push(performance.now() - t);
      }
      return { p50: Number(quantile(xs, 0.5).toFixed(2)), p95: Number(quantile(xs, 0.95).toFixed(2)), entries };
    };
    const fifthPageCursor = async () => {
      let cursor = '';
      for (let page = 1; page < 5; page++) cursor = (await get(`/v1/logs?limit=100${cursor && `&cursor=${cursor}`}`)).meta!.nextCursor!;
      return cursor;
    };
    const measureAll = async (source: 'd1' | 'kv', base: string, cursor: string) => {
      const byFilter: ByFilter = {};
      for (const [name, query] of Object.entries(FILTERS)) {
        if (source === 'kv' && TEXT.test(query)) continue;
        byFilter[name] = await measure(`/v1/logs?limit=100&source=${source}&${query.replace('CURSOR', cursor)}`, base);
        opts.log(`    ${source} ${name}: ${byFilter[name].p50} / ${byFilter[name].p95} ms, ${byFilter[name].entries} entries`);
      }
      return byFilter;
    };

    const points: QueryPoint[] = [];
    let stored = 0;
    let kvTotal = 0;
    let note: string | undefined;
    for (const size of opts.sizes) {
      const elapsed = (performance.now() - started) / 1000;
      // Seeding cost grows linearly; skip a size that would not fit in the budget.
      const perRow = points.length
        ? points[points.length - 1].seedSeconds / Math.max(1, stored - (points.length > 1 ? points[points.length - 2].stored : 0))
        : 0;
      if (perRow && elapsed + perRow * (size - stored) > opts.budgetSeconds) {
        note = `stopped before ${size.toLocaleString('en')} entries: seeding would take ~${Math.round(perRow * (size - stored))} s more (budget ${opts.budgetSeconds} s)`;
        break;
      }
      const s0 = performance.now();
      kvTotal += await seed(stored, size);
      stored = size;
      const seedSeconds = (performance.now() - s0) / 1000;
      const cursor = await fifthPageCursor();
      const d1 = await measureAll('d1', url, cursor);
      const kvp = await measureAll('kv', url, cursor);
      const health = await measure('/v1/health');
      const compare = compareUrl
        ? { d1: await measureAll('d1', compareUrl, cursor), kv: await measureAll('kv', compareUrl, cursor) }
        : undefined;
      const check = await get('/v1/logs?limit=100&source=kv');
      if (check.data?.entries?.length !== 100) throw new Error(`kv page had ${check.data?.entries?.length} entries`);
      points.push({
        stored,
        seedSeconds: Number(seedSeconds.toFixed(1)),
        d1,
        kv: kvp,
        kvEntries: kvTotal,
        health,
        ...(compare ? { compare } : {}),
      });
      const slowest = worst(d1);
      opts.log(
        `  query: ${stored.toLocaleString('en')} stored (seeded in ${seedSeconds.toFixed(1)} s): d1 worst p95 ${slowest.p95} ms (${slowest.filter}), kv worst p95 ${worst(kvp).p95} ms`,
      );
    }
    // The plan of the first candidate-block statement of the widest combination.
    let first: { sql: string; params: unknown[] } | undefined;
    const recording = {
      prepare: (sql: string) => ({ bind: (...params: unknown[]) => ((first ??= { sql, params }), shard.prepare(sql).bind(...params)) }),
    } as unknown as D1Database;
    await candidateBlocks(recording, {
      projectId: PROJECT_ID,
      levels: ['warn', 'error'],
      services: ['api', 'web'],
      attributes: { region: 'eu' },
      text: 'timeout',
      since: new Date(t0).toISOString(),
      order: 'desc',
      limit: 101,
    }).next();
    const { results } = await shard
      .prepare(`EXPLAIN QUERY PLAN ${first!.sql}`)
      .bind(...first!.params)
      .all<{ detail: string }>();
    const plan: string[] = (results as { detail: string }[]).map((r) => r.detail);
    const firstPoint = points[0];
    const last = points[points.length - 1];
    return {
      filters: FILTERS,
      samples: opts.samples,
      points,
      ...(last && { d1WorstP95: worst(last.d1), kvWorstP95: worst(last.kv) }),
      ...(last && firstPoint && { d1P95GrowthVs10k: growth(last.d1, firstPoint.d1), kvP95GrowthVs10k: growth(last.kv, firstPoint.kv) }),
      plan,
      usesIndexOnly:
        plan.every((d) => !/SCAN log_blocks|TEMP B-TREE/.test(d)) &&
        plan.some((d) => /SEARCH log_blocks USING PRIMARY KEY \(project_id=\?/.test(d)),
      ...(note ? { note } : {}),
    };
  } finally {
    await mf.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildAll();
  const sizes = (process.argv[2] ?? '10000,100000').split(',').map(Number);
  console.log(
    JSON.stringify(await runQuery({ sizes, samples: Number(process.argv[3] ?? 40), budgetSeconds: 900, log: console.error }), null, 1),
  );
}
