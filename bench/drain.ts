// Consumer drain in workerd: deliveries of 100 messages x 100 entries (the consumer's
// max_batch_size, each message one 100-entry request) handed to Loglane's own consumer
// (src/queue/consumer.ts via bench/lib/drain-worker.ts) against local D1 + KV, the messages
// alternating between two projects placed on the two log shards. Baseline, same rows, same
// session: a plain D1 batch of one INSERT per row into an unindexed table.
// Idempotency: every delivery is then redelivered (attempts 2, as the queue marks a redelivery);
// the entries stored in the shards' blocks must not move.
import type { LogMessage } from '../src/model/logs';
import { workerBundle } from './lib/build';
import { PROJECT_ID, WORKSPACE_ID } from './lib/fixtures';
import { directUrl, loglaneWorker, migrateLoglane, startMiniflare } from './lib/mf';
import { type Spread, spread } from './lib/stats';

export type DrainResult = {
  deliveries: number;
  entriesPerDelivery: number;
  consumerEntriesPerSec: Spread;
  rawInsertEntriesPerSec: Spread;
  vsRawInsert: Spread;
  storedPerShard: number[];
  storedAfterFirstPass: number;
  storedAfterRedelivery: number;
  expected: number;
  idempotent: boolean;
};

const LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
/** The bench project is on LOGS_0 (the column's default); this one is placed on LOGS_1. */
const SECOND_PROJECT = 'prj_drainshard100000000000001';
const PROJECTS = [PROJECT_ID, SECOND_PROJECT];
function delivery(d: number, messages: number, perMessage: number, prefix = 'log_drain'): LogMessage[] {
  const now = Date.now();
  return Array.from({ length: messages }, (_, m) => ({
    v: 1 as const,
    projectId: PROJECTS[m % 2],
    receivedAt: new Date(now).toISOString(),
    entries: Array.from({ length: perMessage }, (_, e) => {
      const n = (d * messages + m) * perMessage + e;
      return {
        id: `${prefix}${d.toString(36)}x${m.toString(36)}x${e.toString(36)}`,
        level: LEVELS[n % 5],
        message: `GET /api/orders/${n % 997} answered 200 in ${n % 300} ms`,
        timestamp: new Date(now - (n % 3_600_000)).toISOString(),
        attributes: { route: '/api/orders/:id', status: 200 },
      };
    }),
  }));
}

export async function runDrain(opts: { deliveries: number; log: (s: string) => void }): Promise<DrainResult> {
  // No rate limiter: only the live-tail fan-out the consumer publishes stored entries to.
  const { durableObjects, ...worker } = loglaneWorker({ name: 'drain', environment: 'production' }) as any;
  const mf = await startMiniflare([
    { ...worker, durableObjects: { LOG_TAIL: durableObjects.LOG_TAIL }, scriptPath: workerBundle('drain') },
  ]);
  try {
    const db = await migrateLoglane(mf, 'drain');
    const now = new Date().toISOString();
    await db
      .prepare(
        `INSERT INTO projects (id, workspace_id, name, slug, retention_days, created_at, updated_at, log_shard) VALUES (?, ?, 'second', 'drain-second', 30, ?, ?, 'LOGS_1')`,
      )
      .bind(SECOND_PROJECT, WORKSPACE_ID, now, now)
      .run();
    const shards = [await mf.getD1Database('LOGS_0', 'drain'), await mf.getD1Database('LOGS_1', 'drain')];
    const url = await directUrl(mf, 'drain');
    const post = async (path: string, messages: LogMessage[], attempts = 1) => {
      const body = JSON.stringify({ messages, attempts });
      const t = performance.now();
      const res = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const out = (await res.json()) as { entries: number; acked?: number; retried?: number };
      const ms = performance.now() - t;
      if (res.status !== 200 || (out.retried ?? 0) > 0) throw new Error(`${path}: ${res.status} ${JSON.stringify(out)}`);
      return { rate: (out.entries * 1000) / ms };
    };
    const MESSAGES = 100;
    const PER_MESSAGE = 100;
    const deliveries = Array.from({ length: opts.deliveries }, (_, d) => delivery(d, MESSAGES, PER_MESSAGE));
    // warm-up (not counted, other ids)
    await post('/consume', delivery(0, 10, PER_MESSAGE, 'log_warm'));
    await post('/raw', delivery(0, 10, PER_MESSAGE, 'log_warm'));
    const consumer: number[] = [];
    const raw: number[] = [];
    for (let d = 0; d < deliveries.length; d++) {
      // alternate which goes first
      if (d % 2 === 0) {
        consumer.push((await post('/consume', deliveries[d])).rate);
        raw.push((await post('/raw', deliveries[d])).rate);
      } else {
        raw.push((await post('/raw', deliveries[d])).rate);
        consumer.push((await post('/consume', deliveries[d])).rate);
      }
    }
    // Entries stored in each shard's blocks, the warm-up's aside (a block's id is its smallest entry id).
    const perShard = async () =>
      Promise.all(
        shards.map(
          async (shard) =>
            (await shard
              .prepare("SELECT COALESCE(SUM(entries), 0) AS n FROM log_blocks WHERE id NOT LIKE 'log_warm%'")
              .first<{ n: number }>())!.n,
        ),
      );
    const count = async () => (await perShard()).reduce((a: number, b: number) => a + b, 0);
    const storedPerShard = await perShard();
    const storedAfterFirstPass = await count();
    for (const d of deliveries) await post('/consume', d, 2); // redelivery of everything
    const storedAfterRedelivery = await count();
    const expected = opts.deliveries * MESSAGES * PER_MESSAGE;
    opts.log(`  drain: ${deliveries.length} deliveries of ${MESSAGES * PER_MESSAGE} entries`);
    return {
      deliveries: opts.deliveries,
      entriesPerDelivery: MESSAGES * PER_MESSAGE,
      consumerEntriesPerSec: spread(consumer),
      rawInsertEntriesPerSec: spread(raw),
      vsRawInsert: spread(consumer.map((c, i) => c / raw[i])),
      storedPerShard,
      storedAfterFirstPass,
      storedAfterRedelivery,
      expected,
      idempotent: storedAfterFirstPass === expected && storedAfterRedelivery === expected && storedPerShard.every((n: number) => n > 0),
    };
  } finally {
    await mf.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  console.log(await runDrain({ deliveries: Number(process.argv[2] ?? 4), log: console.error }));
