// Cost per GB, measured: a fixed workload through the real Worker in workerd (bench/lib/cost-worker.ts:
// Loglane's handlers with counting bindings), priced with bench/prices.ts.
//
//   1. tenant A (LOGS_0) ingests a small fixed set; A's queries are timed (the "without B" baseline)
//   2. tenant B (LOGS_0, same shard as A) and tenant C (LOGS_1) ingest the bulk with POST /v1/logs
//      in batches of 100-500, a realistic size mix; the queue consumer drains them
//   3. queries of every kind on B (first page, cursor pages, levels, since/until, text, kv), and
//      A's again beside B's data, with A's text search for a phrase only B's entries hold
//   4. C is deleted (DELETE …/projects/C): its purge runs through PURGE_QUEUE
//   5. the cron runs 32 days later: retention archives A's and B's blocks to R2 and deletes them
// Every billable operation is counted per phase; the cost of ingesting and keeping a GB for 30
// days is the sum over all phases (D1 storage for a month at its size after ingest, KV storage
// for the day its objects live) divided by the GB of entry JSON sent.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { API_KEY, PROJECT_ID, taggedApiKey, userToken, WORKSPACE_ID } from './lib/fixtures';
import { directUrl, loglaneWorker, migrateLoglane, startMiniflare } from './lib/mf';
import { quantile } from './lib/stats';
import { PRICES, PRICES_READ_ON } from './prices';

const DAY_MS = 24 * 60 * 60 * 1000;
const TENANT_A = {
  slug: 'tenant-a',
  id: 'prj_costtenanta00000000000001',
  keyId: 'CostTenantA0000000000001',
  key: taggedApiKey('CostTenantA0000000000001', 'TenantASecretTenantASecretTenant'),
  shard: 'LOGS_0',
};
const TENANT_C = {
  slug: 'tenant-c',
  id: 'prj_costtenantc00000000000001',
  keyId: 'CostTenantC0000000000001',
  key: taggedApiKey('CostTenantC0000000000001', 'TenantCSecretTenantCSecretTenant'),
  shard: 'LOGS_1',
};
const TENANT_B = { id: PROJECT_ID, key: API_KEY, shard: 'LOGS_0' };
/** Only B's entries hold it; nobody's hold NOWHERE. */
const PHRASE_IN_B = 'quasar overflow';
const PHRASE_NOWHERE = 'nebula underflow';
const BATCH_SIZES = [100, 250, 500];
/**
 * Entries accepted but not yet stored, at most. Local Miniflare keeps a queue's backlog in the
 * memory of one object, and with ~650,000 entries queued its consumer stopped being called (the
 * 1,000,000 run stalled at 350–405k stored while ingest still answered). A consumer that keeps up
 * is also the steady state a real queue is in.
 */
const MAX_QUEUED_ENTRIES = 20_000;

type Counts = {
  workerRequests: { fetch: number; queue: number; scheduled: number };
  handlerMs: number;
  /** workerd's own CPU time in the phase (workerdCpuMs), added here, not by the Worker */
  workerdCpuMs: number;
  d1: Record<string, { rowsRead: number; rowsWritten: number; queries: number; sizeAfter: number }>;
  durableObjectRequests: number;
  queueOps: { write: number; read: number; delete: number };
  kv: { reads: number; writes: number; lists: number; deletes: number; bytesWritten: number };
  r2: { classA: number; classB: number; free: number; bytesPut: number };
  kvStoredBytes: number;
  r2StoredBytes: number;
  r2Objects: number;
};

/** Deterministic pseudo-random numbers (the same workload every run). */
function random(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const SERVICES = ['api', 'checkout', 'auth', 'search', 'billing', 'worker', 'gateway', 'mailer'];
const ROUTES = ['/api/orders/:id', '/api/cart', '/api/login', '/api/search', '/api/invoices/:id', '/health'];
const hex = (r: () => number, n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');

/** One entry as a client sends it: ~60% have a timestamp, half a service, most attributes; 2% are large (stack traces). */
function entryOf(r: () => number, nowMs: number, phrase?: string) {
  const x = r();
  const level = x < 0.3 ? 'debug' : x < 0.8 ? 'info' : x < 0.92 ? 'warn' : x < 0.99 ? 'error' : 'fatal';
  const route = ROUTES[Math.floor(r() * ROUTES.length)];
  const status = level === 'error' || level === 'fatal' ? 500 : r() < 0.1 ? 404 : 200;
  let message = `${['GET', 'POST', 'PUT'][Math.floor(r() * 3)]} ${route.replace(':id', String(Math.floor(r() * 100_000)))} answered ${status} in ${Math.floor(r() * 900)} ms for user u_${hex(r, 8)}`;
  if (phrase && r() < 0.05) message += ` (${phrase} in upstream pool ${Math.floor(r() * 9)})`;
  if (r() < 0.02)
    message += `\n${Array.from({ length: 10 + Math.floor(r() * 60) }, (_, i) => `    at handler${i} (src/routes/orders.ts:${Math.floor(r() * 400)}:${Math.floor(r() * 80)})`).join('\n')}`;
  return {
    level,
    message,
    ...(r() < 0.6 ? { timestamp: new Date(nowMs - Math.floor(r() * 60_000)).toISOString() } : {}),
    ...(r() < 0.5 ? { service: SERVICES[Math.floor(r() * SERVICES.length)] } : {}),
    ...(r() < 0.8
      ? {
          attributes: {
            route,
            status,
            durationMs: Math.floor(r() * 900),
            region: ['eu-west', 'us-east', 'ap-south'][Math.floor(r() * 3)],
            requestId: hex(r, 16),
          },
        }
      : {}),
  };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ (`getconf CLK_TCK`)
/**
 * CPU time (user + system, ms) of the workerd processes this bench started: every process below
 * this one named workerd, read from /proc/<pid>/stat. It counts the Worker's own CPU and also
 * local workerd's simulation of D1, KV, queues and Durable Objects, and none of the time spent
 * waiting for them: an upper bound on the CPU time Cloudflare would bill.
 */
function workerdCpuMs(): number {
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // comm is in parentheses and may hold spaces; the fields after it are space-separated.
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
        return [
          {
            pid: Number(pid),
            comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
            ppid: Number(fields[1]),
            ticks: Number(fields[11]) + Number(fields[12]),
          },
        ];
      } catch {
        return []; // the process ended while listing
      }
    });
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of stats) if (!mine.has(s.pid) && mine.has(s.ppid)) mine.add(s.pid), (grew = true);
  }
  const ticks = stats.filter((s) => mine.has(s.pid) && s.comm === 'workerd').reduce((n, s) => n + s.ticks, 0);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

export async function runCost(opts: { entries: number; samples: number; log: (s: string) => void }) {
  const base = loglaneWorker({ name: 'cost', bundle: 'cost', environment: 'production', configuredQueues: true });
  const mf = await startMiniflare([base]);
  try {
    const control = await migrateLoglane(mf, 'cost');
    const now = new Date().toISOString();
    for (const t of [TENANT_A, TENANT_C]) {
      await control
        .prepare(
          `INSERT INTO projects (id, workspace_id, name, slug, retention_days, created_at, updated_at, log_shard) VALUES (?, ?, 'tenant', ?, 30, ?, ?, ?)`,
        )
        .bind(t.id, WORKSPACE_ID, t.slug, now, now, t.shard)
        .run();
      await control
        .prepare(
          `INSERT INTO api_keys (id, project_id, name, scopes, prefix, secret_hash, created_at, last_used_at) VALUES (?, ?, 'bench', '["logs:write","logs:read"]', ?, ?, ?, NULL)`,
        )
        .bind(`key_${t.keyId}`, t.id, t.key.slice(0, 8), sha256(t.key), now)
        .run();
    }
    const shards = { LOGS_0: await mf.getD1Database('LOGS_0', 'cost'), LOGS_1: await mf.getD1Database('LOGS_1', 'cost') };
    const url = await directUrl(mf, 'cost');
    const countsUrl = `${url}/__bench/counts`;
    let cpuMark = workerdCpuMs();
    /** The counts since the last call, and a fresh start. */
    const phaseCounts = async (): Promise<Counts> => {
      const counts = (await (await fetch(countsUrl, { method: 'DELETE' })).json()) as Counts;
      const cpu = workerdCpuMs();
      counts.workerdCpuMs = cpu - cpuMark;
      cpuMark = cpu;
      return counts;
    };
    await phaseCounts();

    const stored = async (projectId?: string): Promise<number> => {
      // Miniflare's D1 proxy from Node fails a call now and then on this loaded machine ("fetch failed"): asked again.
      for (let attempt = 1; ; attempt++) {
        try {
          let n = 0;
          for (const db of Object.values(shards)) {
            const row = await db
              .prepare(`SELECT COALESCE(SUM(entries), 0) AS n FROM log_blocks ${projectId ? 'WHERE project_id = ?' : ''}`)
              .bind(...(projectId ? [projectId] : []))
              .first<{ n: number }>();
            n += row!.n;
          }
          return n;
        } catch (err) {
          if (attempt === 5) throw err;
          await new Promise((done) => setTimeout(done, 1000));
        }
      }
    };
    const waitFor = async (what: string, done: () => Promise<boolean>, seconds: number) => {
      const until = Date.now() + seconds * 1000;
      while (!(await done())) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };

    const json = { bytes: [] as number[] };
    let resent = 0;
    /**
     * Sends `count` entries for the tenants in turn (`share` of them each), 4 requests at a time, each
     * body made when it is sent (the same bodies every run). At most MAX_QUEUED_ENTRIES wait in the
     * queue: sending pauses until the consumer has stored the rest.
     */
    const ingest = async (tenants: { key: string; share: number }[], count: number, seed: number, phrase?: string) => {
      const r = random(seed);
      const nowMs = Date.now();
      let storedKnown = await stored();
      let queued = storedKnown;
      let sent = 0;
      let requests = 0;
      const nextRequest = () => {
        if (sent >= count) return undefined;
        const size = Math.min(BATCH_SIZES[requests++ % BATCH_SIZES.length], count - sent);
        const pick = r();
        let acc = 0;
        const tenant = tenants.find((t) => (acc += t.share) > pick) ?? tenants[tenants.length - 1];
        const entries = Array.from({ length: size }, () => entryOf(r, nowMs, tenant.key === TENANT_B.key ? phrase : undefined));
        for (const e of entries) json.bytes.push(Buffer.byteLength(JSON.stringify(e)));
        sent += size;
        queued += size;
        return { key: tenant.key, body: JSON.stringify({ entries }), queuedAfter: queued };
      };
      const worker = async () => {
        for (let request = nextRequest(); request; request = nextRequest()) {
          const { key, body, queuedAfter } = request;
          while (queuedAfter - storedKnown > MAX_QUEUED_ENTRIES) {
            await new Promise((done) => setTimeout(done, 250));
            storedKnown = await stored();
          }
          // A connection reset before any answer (workerd on this loaded machine drops one now and
          // then) is sent again; the stored count below would show an entry stored twice.
          for (let attempt = 1; ; attempt++) {
            const res = await fetch(`${url}/v1/logs`, {
              method: 'POST',
              body,
              headers: { 'content-type': 'application/json', 'x-api-key': key },
            }).catch((err) => {
              if (attempt === 3) throw new Error(`ingest: ${err} (${err.cause})`);
              return undefined;
            });
            if (!res) {
              resent++;
              continue;
            }
            if (res.status !== 202) throw new Error(`ingest: ${res.status} ${(await res.text()).slice(0, 300)}`);
            await res.arrayBuffer();
            break;
          }
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
    };

    const timedGet = async (key: string, path: string) => {
      const t = performance.now();
      const res = await fetch(`${url}${path}`, { headers: { 'x-api-key': key } });
      const body = (await res.json()) as { data?: { entries?: unknown[] }; meta?: { nextCursor?: string } };
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      return { ms: performance.now() - t, entries: body.data?.entries?.length ?? 0, next: body.meta?.nextCursor };
    };
    const p95 = async (key: string, path: string) => {
      for (let i = 0; i < 5; i++) await timedGet(key, path);
      const xs: number[] = [];
      for (let i = 0; i < opts.samples; i++) xs.push((await timedGet(key, path)).ms);
      return Number(quantile(xs, 0.95).toFixed(2));
    };
    const sinceUntil = () => {
      const t = Date.now();
      return `since=${new Date(t - 40 * 60_000).toISOString()}&until=${new Date(t - 20_000).toISOString()}`;
    };
    const filters = () => ({
      'first page': '/v1/logs?source=d1',
      levels: '/v1/logs?source=d1&level=error&level=fatal',
      'since/until': `/v1/logs?source=d1&${sinceUntil()}`,
      'text q': '/v1/logs?source=d1&q=upstream%20pool',
      'text q, no match': `/v1/logs?source=d1&q=${encodeURIComponent(PHRASE_NOWHERE)}`,
      'kv first page': '/v1/logs?source=kv&level=warn',
    });
    /** p95 of the 2nd-6th page, following nextCursor; one walk unmeasured first, as every other filter warms up. */
    const cursorP95 = async (key: string) => {
      const xs: number[] = [];
      for (let round = -1; round < Math.ceil(opts.samples / 5); round++) {
        let page = await timedGet(key, '/v1/logs?source=d1');
        for (let i = 0; i < 5 && page.next; i++) {
          page = await timedGet(key, `/v1/logs?source=d1&cursor=${encodeURIComponent(page.next)}`);
          if (round >= 0) xs.push(page.ms);
        }
      }
      return Number(quantile(xs, 0.95).toFixed(2));
    };
    const tenantP95s = async (key: string) => {
      const out: Record<string, number> = {};
      for (const [name, path] of Object.entries(filters())) out[name] = await p95(key, path);
      out['cursor pages'] = await cursorP95(key);
      return out;
    };
    /** A's search for the phrase only B holds vs one nobody holds, interleaved; p95 of each. */
    const searchPair = async () => {
      const inB: number[] = [];
      const nowhere: number[] = [];
      for (let i = 0; i < opts.samples; i++) {
        inB.push((await timedGet(TENANT_A.key, `/v1/logs?source=d1&q=${encodeURIComponent(PHRASE_IN_B)}`)).ms);
        nowhere.push((await timedGet(TENANT_A.key, `/v1/logs?source=d1&q=${encodeURIComponent(PHRASE_NOWHERE)}`)).ms);
      }
      return { phraseInB: Number(quantile(inB, 0.95).toFixed(2)), phraseNowhere: Number(quantile(nowhere, 0.95).toFixed(2)) };
    };

    // 1. A alone
    const aEntries = Math.max(2_000, Math.round(opts.entries / 50));
    await ingest([{ key: TENANT_A.key, share: 1 }], aEntries, 1);
    await waitFor('A drained', async () => (await stored(TENANT_A.id)) === aEntries, 120);
    const aWithoutB = await tenantP95s(TENANT_A.key);
    const searchWithoutB = await searchPair();
    const phases: Record<string, Counts> = { tenantA: await phaseCounts() };
    // A's p95s again, still alone: how far two measurements of the same thing differ here, against
    // which A's ratio with B beside it is read. Not part of the priced workload: its counts are dropped.
    const aAgainWithoutB = await tenantP95s(TENANT_A.key);
    await phaseCounts();
    opts.log(`  cost: A has ${aEntries} entries; A p95 without B ${JSON.stringify(aWithoutB)}`);

    // 2. the bulk: B 90%, C 10%
    const t0 = performance.now();
    await ingest(
      [
        { key: TENANT_B.key, share: 0.9 },
        { key: TENANT_C.key, share: 0.1 },
      ],
      opts.entries,
      2,
      PHRASE_IN_B,
    );
    const ingestSeconds = (performance.now() - t0) / 1000;
    const total = aEntries + opts.entries;
    await waitFor('bulk drained', async () => (await stored()) >= total, 900);
    await new Promise((r) => setTimeout(r, 3000)); // anything stored twice would land by now
    const drainSeconds = (performance.now() - t0) / 1000;
    phases.ingest = await phaseCounts();
    const shardBytes: Record<string, number> = {};
    for (const [name, db] of Object.entries(shards)) {
      shardBytes[name] = (await db.prepare('SELECT 1').run()).meta.size_after;
    }
    const perProject = { A: await stored(TENANT_A.id), B: await stored(TENANT_B.id), C: await stored(TENANT_C.id) };
    const storedAfterDrain = await stored();
    opts.log(
      `  cost: ${total.toLocaleString('en')} stored in ${drainSeconds.toFixed(0)} s (${JSON.stringify(perProject)}); shards ${JSON.stringify(shardBytes)}`,
    );

    // 3. queries
    const bAt1M = await tenantP95s(TENANT_B.key);
    // The machine's floor in the same minutes: a route that touches no storage.
    const healthP95 = await p95(TENANT_B.key, '/v1/health');
    const aWithB = await tenantP95s(TENANT_A.key);
    const searchWithB = await searchPair();
    phases.queries = await phaseCounts();
    opts.log(`  cost: B p95 ${JSON.stringify(bAt1M)}; A p95 with B ${JSON.stringify(aWithB)}; search ${JSON.stringify(searchWithB)}`);

    // 4. deleting C (its purge waits FIRST_CHUNK_DELAY_SECONDS, then runs chunk by chunk)
    const del = await fetch(`${url}/v1/workspaces/${WORKSPACE_ID}/projects/${TENANT_C.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await userToken()}` },
    });
    if (del.status !== 200) throw new Error(`delete C: ${del.status} ${await del.text()}`);
    const p0 = performance.now();
    await waitFor(
      'C purged',
      async () =>
        (
          await control
            .prepare('SELECT purged_at FROM deleted_projects WHERE project_id = ?')
            .bind(TENANT_C.id)
            .first<{ purged_at: string | null }>()
        )?.purged_at != null,
      600,
    );
    const purgeSeconds = (performance.now() - p0) / 1000;
    if ((await stored(TENANT_C.id)) !== 0) throw new Error('C purged but blocks remain');
    phases.deletion = await phaseCounts();

    // 5. retention, 32 days on (every project keeps 30 days)
    // Miniflare's Fetcher has scheduled() at run time; its types leave it out.
    const worker = (await mf.getWorker('cost')) as unknown as { scheduled(options: { scheduledTime: Date }): Promise<unknown> };
    await worker.scheduled({ scheduledTime: new Date(Date.now() + 32 * DAY_MS) });
    if ((await stored()) !== 0) throw new Error(`retention left ${await stored()} entries`);
    phases.retention = await phaseCounts();
    opts.log(
      `  cost: C purged in ${purgeSeconds.toFixed(0)} s; retention archived ${phases.retention.r2StoredBytes} bytes in ${phases.retention.r2Objects} objects`,
    );

    // Totals and prices
    const sum = (f: (c: Counts) => number) => Object.values(phases).reduce((n, c) => n + f(c), 0);
    const d1 = (f: (c: Counts['d1'][string]) => number) => sum((c) => Object.values(c.d1).reduce((n, x) => n + f(x), 0));
    const storedEntries = total;
    const ingestedBytes = json.bytes.reduce((a, b) => a + b, 0);
    const gb = ingestedBytes / 1e9;
    const shardTotalBytes = Object.values(shardBytes).reduce((a, b) => a + b, 0);
    const GB = 1e9;
    const ops = {
      workerRequests: sum((c) => c.workerRequests.fetch + c.workerRequests.queue + c.workerRequests.scheduled),
      workerdCpuMs: Math.round(sum((c) => c.workerdCpuMs)),
      /** the handlers' wall time, waits included (not priced: it is no measure of CPU) */
      handlerWallMs: Math.round(sum((c) => c.handlerMs)),
      d1RowsRead: d1((x) => x.rowsRead),
      d1RowsWritten: d1((x) => x.rowsWritten),
      durableObjectRequests: sum((c) => c.durableObjectRequests),
      queueOperations: sum((c) => c.queueOps.write + c.queueOps.read + c.queueOps.delete),
      kv: {
        reads: sum((c) => c.kv.reads),
        writes: sum((c) => c.kv.writes),
        lists: sum((c) => c.kv.lists),
        deletes: sum((c) => c.kv.deletes),
        storedBytesAfterIngest: phases.ingest.kvStoredBytes,
      },
      r2: {
        classA: sum((c) => c.r2.classA),
        classB: sum((c) => c.r2.classB),
        freeDeletes: sum((c) => c.r2.free),
        archiveBytes: phases.retention.r2StoredBytes,
      },
      d1ShardBytesAfterIngest: shardBytes,
    };
    const P = PRICES;
    const dollars = {
      workerRequests: (ops.workerRequests / 1e6) * P.workers.perMillionRequests,
      // Upper bound: workerd's whole CPU, which includes its local simulation of the storage services.
      workerCpuUpperBound: (ops.workerdCpuMs / 1e6) * P.workers.perMillionCpuMs,
      d1RowsRead: (ops.d1RowsRead / 1e6) * P.d1.perMillionRowsRead,
      d1RowsWritten: (ops.d1RowsWritten / 1e6) * P.d1.perMillionRowsWritten,
      d1Storage30Days: (shardTotalBytes / GB) * P.d1.perGbMonth,
      durableObjects: (ops.durableObjectRequests / 1e6) * P.durableObjects.perMillionRequests,
      queues: (ops.queueOperations / 1e6) * P.queues.perMillionOperations,
      kvOperations:
        (ops.kv.reads / 1e6) * P.kv.perMillionReads +
        (ops.kv.writes / 1e6) * P.kv.perMillionWrites +
        (ops.kv.lists / 1e6) * P.kv.perMillionLists +
        (ops.kv.deletes / 1e6) * P.kv.perMillionDeletes,
      // Recent objects live one day (their TTL), so a month holds each byte for 1/30 of it.
      kvStorage: (ops.kv.storedBytesAfterIngest / GB) * P.kv.perGbMonth * (1 / 30),
      r2Operations: (ops.r2.classA / 1e6) * P.r2.perMillionClassA + (ops.r2.classB / 1e6) * P.r2.perMillionClassB,
    };
    const totalDollars = Object.values(dollars).reduce((a, b) => a + b, 0);
    const perGb = Object.fromEntries(Object.entries(dollars).map(([k, v]) => [k, Number((v / gb).toFixed(4))]));
    const shardWritten = sumShardWritten(phases, ['tenantA', 'ingest', 'deletion', 'retention']);
    const sorted = [...json.bytes].sort((a, b) => a - b);
    const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
    /** Each filter's p95 in `p95s` against A's first measurement alone. */
    const againstAAlone = (p95s: Record<string, number>) =>
      Object.fromEntries(Object.keys(p95s).map((k) => [k, ratio(p95s[k], aWithoutB[k])]));
    return {
      pricesReadOn: PRICES_READ_ON,
      entries: storedEntries,
      perProject,
      ingestedBytes,
      entryJsonBytes: {
        median: sorted[Math.floor(sorted.length / 2)],
        p99: sorted[Math.floor(sorted.length * 0.99)],
        max: sorted[sorted.length - 1],
        mean: Math.round(ingestedBytes / storedEntries),
      },
      storedAfterDrain: storedAfterDrain,
      requestsResentAfterReset: resent,
      ingestSeconds: Number(ingestSeconds.toFixed(1)),
      drainSeconds: Number(drainSeconds.toFixed(1)),
      purgeSeconds: Number(purgeSeconds.toFixed(1)),
      ops,
      dollars: Object.fromEntries(Object.entries(dollars).map(([k, v]) => [k, Number(v.toFixed(5))])),
      dollarsPerGb: Number((totalDollars / gb).toFixed(4)),
      dollarsPerGbByItem: perGb,
      archiveDollarsPerGbMonthAfter: Number((((ops.r2.archiveBytes / GB) * P.r2.perGbMonth) / gb).toFixed(5)),
      d1RowsWrittenPerEntry: Number((shardWritten / storedEntries).toFixed(4)),
      d1BytesPerEntry: Math.round(shardTotalBytes / storedEntries),
      d1BytesVsJson: ratio(shardTotalBytes / storedEntries, ingestedBytes / storedEntries),
      bP95: bAt1M,
      healthP95,
      aP95WithoutB: aWithoutB,
      aP95WithB: aWithB,
      aWithVsWithoutB: againstAAlone(aWithB),
      aAgainVsFirstWithoutB: againstAAlone(aAgainWithoutB),
      searchWithoutB,
      searchWithB,
      searchPhraseInBVsNowhere: ratio(searchWithB.phraseInB, searchWithB.phraseNowhere),
      phases,
    };
  } finally {
    await mf.dispose();
  }
}

function sumShardWritten(phases: Record<string, Counts>, names: string[]) {
  return names.reduce(
    (n, name) => n + Object.entries(phases[name]?.d1 ?? {}).reduce((m, [b, x]) => m + (b.startsWith('LOGS_') ? x.rowsWritten : 0), 0),
    0,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildAll } = await import('./lib/build');
  await buildAll();
  console.log(JSON.stringify(await runCost({ entries: Number(process.argv[2] ?? 50_000), samples: 30, log: console.error }), null, 1));
}
