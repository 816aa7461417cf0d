// Query growth: p50/p95 of GET /v1/logs (a filtered page of 100: level=warn,error, the newest
// first) through the whole Worker in workerd, at 10k, 100k and 1M stored entries, for source=d1
// and source=kv. Entries are spread over 10 projects (the queried one holds a tenth), with times
// rising across the last 23 hours. D1 is seeded with large INSERT … SELECT statements straight
// into the migrated database (the FTS trigger runs as it would for the consumer); KV holds the
// queried project's entries in the consumer's bucket layout (src/kv/recent-logs.ts), 1,000 per bucket.
import { rememberRecent } from '../src/kv/recent-logs';
import { pageQuery } from '../src/repositories/logs';
import type { LogMessage } from '../src/services/logs';
import { API_KEY, PROJECT_ID, WORKSPACE_ID } from './lib/fixtures';
import { directUrl, loglaneWorker, migrateLoglane, startMiniflare } from './lib/mf';
import { quantile } from './lib/stats';

const WINDOW_MS = 23 * 3600 * 1000;
type SeedRow = { id: string; level: LogMessage['entries'][number]['level']; message: string; timestamp: string; attributes: string };
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
    const t0 = Date.now() - WINDOW_MS;
    const projectCase = `CASE i % 10 ${PROJECTS.map((p, k) => `WHEN ${k} THEN '${p}'`).join(' ')} END`;
    const levelCase = `CASE WHEN (i / 10) % 20 < 6 THEN 'debug' WHEN (i / 10) % 20 < 14 THEN 'info' WHEN (i / 10) % 20 < 17 THEN 'warn' WHEN (i / 10) % 20 < 19 THEN 'error' ELSE 'fatal' END`;
    const seed = async (from: number, to: number) => {
      const CHUNK = 50_000;
      for (let a = from; a < to; a += CHUNK) {
        const b = Math.min(to, a + CHUNK);
        await db
          .prepare(
            `INSERT INTO log_entries (id, project_id, level, message, timestamp, received_at, attributes)
             WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
             SELECT printf('log_seed%08d', i), ${projectCase}, ${levelCase},
                    'GET /api/orders/' || (i % 997) || ' answered 200 in ' || (i % 300) || ' ms',
                    strftime('%Y-%m-%dT%H:%M:%fZ', (?3 + i * ?4) / 1000.0, 'unixepoch'),
                    strftime('%Y-%m-%dT%H:%M:%fZ', (?3 + i * ?4) / 1000.0, 'unixepoch'),
                    '{"route":"/api/orders/:id","status":200}'
             FROM n`,
          )
          .bind(a, b, t0, WINDOW_MS / FINAL)
          .run();
      }
      // The queried project's new entries into KV, in consumer-sized buckets.
      let after = `log_seed${String(from).padStart(8, '0')}`;
      const end = `log_seed${String(to).padStart(8, '0')}`;
      let kvEntries = 0;
      for (;;) {
        const { results } = await db
          .prepare('SELECT id, level, message, timestamp, attributes FROM log_entries WHERE project_id = ? AND id >= ? AND id < ? ORDER BY id LIMIT 1000')
          .bind(PROJECT_ID, after, end)
          .all<{ id: string; level: any; message: string; timestamp: string; attributes: string }>();
        if (results.length === 0) break;
        const message: LogMessage = {
          v: 1,
          projectId: PROJECT_ID,
          receivedAt: results[results.length - 1].timestamp,
          entries: (results as SeedRow[]).map((r) => ({ id: r.id, level: r.level, message: r.message, timestamp: r.timestamp, attributes: JSON.parse(r.attributes) })),
        };
        await rememberRecent(kv as unknown as KVNamespace, [message], Date.now());
        kvEntries += results.length;
        after = `${results[results.length - 1].id}~`;
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
    const { sql, params } = pageQuery({ projectId: PROJECT_ID, levels: ['warn', 'error'], order: 'desc', limit: 101 });
    const { results } = await db.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
    const plan: string[] = (results as { detail: string }[]).map((r) => r.detail);
    const first = points[0];
    const last = points[points.length - 1];
    return {
      filter: `${filter} (API key; production config)`,
      samples: opts.samples,
      points,
      d1P95GrowthVs10k: last && first ? Number((last.d1.p95 / first.d1.p95).toFixed(2)) : undefined,
      kvP95GrowthVs10k: last && first ? Number((last.kv.p95 / first.kv.p95).toFixed(2)) : undefined,
      plan,
      usesIndexOnly: plan.every((d) => !/^SCAN log_entries(?! USING)/.test(d)) && plan.some((d) => /USING (COVERING )?INDEX log_entries_project/.test(d)),
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
