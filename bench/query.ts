// Query growth: p50/p95 of GET /v1/logs (a filtered page of 100: level=warn,error, the newest
// first) through the whole Worker in workerd, at 10k, 100k and 1M stored entries, for source=d1
// and source=kv. Entries are spread over 10 projects (the queried one holds a tenth), with times
// rising across the last 23 hours, all on log shard LOGS_0. The shard is seeded with the consumer's
// own block encoding (src/blocks/format.ts) straight into the migrated database; KV holds the
// queried project's entries in the consumer's bucket layout (src/kv/recent-logs.ts), 1,000 per bucket.
import { encodeBlocks } from '../src/blocks/format';
import { rememberRecent } from '../src/kv/recent-logs';
import { candidateBlocks, insertBlockStatements } from '../src/repositories/log-blocks';
import type { LogEntry, LogMessage } from '../src/model/logs';
import { API_KEY, PROJECT_ID, WORKSPACE_ID } from './lib/fixtures';
import { directUrl, loglaneWorker, migrateLoglane, startMiniflare } from './lib/mf';
import { quantile } from './lib/stats';

const WINDOW_MS = 23 * 3600 * 1000;
const FINAL = 1_000_000;
const PROJECTS = Array.from({ length: 10 }, (_, i) => (i === 0 ? PROJECT_ID : `prj_other${i}`));

type Pct = { p50: number; p95: number };
export type QueryPoint = { stored: number; seedSeconds: number; d1: Pct; kv: Pct & { kvEntries: number }; health: Pct; compare?: { d1: Pct; kv: Pct } };
export type QueryResult = {
  filter: string;
  samples: number;
  points: QueryPoint[];
  d1P95GrowthVs10k?: number;
  kvP95GrowthVs10k?: number;
  plan: string[];
  usesIndexOnly: boolean;
  note?: string;
};

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
    ...(opts.compareBundle ? [loglaneWorker({ name: 'query-compare', environment: 'production', bundle: opts.compareBundle, storageOf: 'query' })] : []),
  ]);
  const started = performance.now();
  try {
    const db = await migrateLoglane(mf, 'query');
    const kv = await mf.getKVNamespace('CACHE', 'query');
    const url = await directUrl(mf, 'query');
    const compareUrl = opts.compareBundle ? await directUrl(mf, 'query-compare') : undefined;
    const now = new Date().toISOString();
    for (const id of PROJECTS.slice(1)) {
      await db.prepare(`INSERT INTO projects (id, workspace_id, name, slug, retention_days, created_at, updated_at) VALUES (?, ?, 'other', ?, 30, ?, ?)`).bind(id, WORKSPACE_ID, `other-${id}`, now, now).run();
    }
    const shard = await mf.getD1Database('LOGS_0', 'query');
    const t0 = Date.now() - WINDOW_MS;
    const level = (i: number): LogEntry['level'] => {
      const band = Math.floor(i / 10) % 20;
      return band < 6 ? 'debug' : band < 14 ? 'info' : band < 17 ? 'warn' : band < 19 ? 'error' : 'fatal';
    };
    const seed = async (from: number, to: number) => {
      const CHUNK = 20_000;
      let kvEntries = 0;
      for (let a = from; a < to; a += CHUNK) {
        const byProject = new Map<string, LogEntry[]>(PROJECTS.map((p) => [p, []]));
        for (let i = a; i < Math.min(to, a + CHUNK); i++) {
          const timestamp = new Date(t0 + Math.floor((i * WINDOW_MS) / FINAL)).toISOString();
          const projectId = PROJECTS[i % 10];
          byProject.get(projectId)!.push({
            id: `log_seed${String(i).padStart(8, '0')}`,
            projectId,
            level: level(i),
            message: `GET /api/orders/${i % 997} answered 200 in ${i % 300} ms`,
            timestamp,
            receivedAt: timestamp,
            attributes: { route: '/api/orders/:id', status: 200 },
          });
        }
        for (const [projectId, entries] of byProject) {
          const blocks = await encodeBlocks(projectId, entries, new Set());
          await shard.batch(insertBlockStatements(shard as unknown as D1Database, blocks) as any);
        }
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
    const timed = async (path: string, base = url) => {
      const t = performance.now();
      const res = await fetch(`${base}${path}`, { headers });
      const body = (await res.json()) as { data?: { entries?: unknown[] } };
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      return { ms: performance.now() - t, n: body.data?.entries?.length ?? 0 };
    };
    const filter = '/v1/logs?level=warn&level=error&limit=100';
    const measure = async (path: string, base = url) => {
      for (let i = 0; i < 10; i++) await timed(path, base);
      const xs: number[] = [];
      for (let i = 0; i < opts.samples; i++) xs.push((await timed(path, base)).ms);
      return { p50: Number(quantile(xs, 0.5).toFixed(2)), p95: Number(quantile(xs, 0.95).toFixed(2)) };
    };

    const points: QueryPoint[] = [];
    let stored = 0;
    let kvTotal = 0;
    let note: string | undefined;
    for (const size of opts.sizes) {
      const elapsed = (performance.now() - started) / 1000;
      // Seeding cost grows linearly; skip a size that would not fit in the budget.
      const perRow = points.length ? points[points.length - 1].seedSeconds / Math.max(1, stored - (points.length > 1 ? points[points.length - 2].stored : 0)) : 0;
      if (perRow && elapsed + perRow * (size - stored) > opts.budgetSeconds) {
        note = `stopped before ${size.toLocaleString('en')} entries: seeding would take ~${Math.round(perRow * (size - stored))} s more (budget ${opts.budgetSeconds} s)`;
        break;
      }
      const s0 = performance.now();
      kvTotal += await seed(stored, size);
      stored = size;
      const seedSeconds = (performance.now() - s0) / 1000;
      // interleave the three so they see the same machine
      const d1 = await measure(`${filter}&source=d1`);
      const kvp = await measure(`${filter}&source=kv`);
      const health = await measure('/v1/health');
      const compare = compareUrl ? { d1: await measure(`${filter}&source=d1`, compareUrl), kv: await measure(`${filter}&source=kv`, compareUrl) } : undefined;
      const check = await timed(`${filter}&source=kv`);
      if (check.n !== 100) throw new Error(`kv page had ${check.n} entries`);
      points.push({ stored, seedSeconds: Number(seedSeconds.toFixed(1)), d1, kv: { ...kvp, kvEntries: kvTotal }, health, ...(compare ? { compare } : {}) });
      opts.log(`  query: ${stored.toLocaleString('en')} stored (seeded in ${seedSeconds.toFixed(1)} s): d1 p95 ${d1.p95} ms, kv p95 ${kvp.p95} ms`);
    }
    // The plan of the first candidate-block statement the page query issues.
    let first: { sql: string; params: unknown[] } | undefined;
    const recording = { prepare: (sql: string) => ({ bind: (...params: unknown[]) => ((first ??= { sql, params }), shard.prepare(sql).bind(...params)) }) } as unknown as D1Database;
    await candidateBlocks(recording, { projectId: PROJECT_ID, levels: ['warn', 'error'], order: 'desc', limit: 101 }).next();
    const { results } = await shard.prepare(`EXPLAIN QUERY PLAN ${first!.sql}`).bind(...first!.params).all<{ detail: string }>();
    const plan: string[] = (results as { detail: string }[]).map((r) => r.detail);
    const firstPoint = points[0];
    const last = points[points.length - 1];
    return {
      filter: `${filter} (API key; production config)`,
      samples: opts.samples,
      points,
      d1P95GrowthVs10k: last && firstPoint ? Number((last.d1.p95 / firstPoint.d1.p95).toFixed(2)) : undefined,
      kvP95GrowthVs10k: last && firstPoint ? Number((last.kv.p95 / firstPoint.kv.p95).toFixed(2)) : undefined,
      plan,
      usesIndexOnly: plan.every((d) => !/SCAN log_blocks|TEMP B-TREE/.test(d)) && plan.some((d) => /SEARCH log_blocks USING PRIMARY KEY \(project_id=\?/.test(d)),
      ...(note ? { note } : {}),
    };
  } finally {
    await mf.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = (process.argv[2] ?? '10000,100000').split(',').map(Number);
  console.log(JSON.stringify(await runQuery({ sizes, samples: 100, budgetSeconds: 400, log: console.error }), null, 1));
}
