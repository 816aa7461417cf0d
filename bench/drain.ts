// Consumer drain in workerd: deliveries of 100 messages x 100 entries (the consumer's
// max_batch_size, each message one 100-entry request) handed to Loglane's own consumer
// (src/queue/consumer.ts via bench/lib/drain-worker.ts) against local D1 + KV. Baseline, same
// rows, same session: a plain D1 batch of one INSERT per row into an unindexed table.
// Idempotency: every delivery is then redelivered; the stored count must not move.
import type { LogMessage } from '../src/services/logs';
import { workerBundle } from './lib/build';
import { PROJECT_ID } from './lib/fixtures';
import { directUrl, loglaneWorker, migrateLoglane, startMiniflare } from './lib/mf';
import { spread, type Spread } from './lib/stats';

export type DrainResult = {
  deliveries: number;
  entriesPerDelivery: number;
  consumerEntriesPerSec: Spread;
  rawInsertEntriesPerSec: Spread;
  vsRawInsert: Spread;
  storedAfterFirstPass: number;
  storedAfterRedelivery: number;
  expected: number;
  idempotent: boolean;
};

const LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
function delivery(d: number, messages: number, perMessage: number, prefix = 'log_drain'): LogMessage[] {
  const now = Date.now();
  return Array.from({ length: messages }, (_, m) => ({
    v: 1 as const,
    projectId: PROJECT_ID,
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
  const { durableObjects: _noRateLimiter, ...worker } = loglaneWorker({ name: 'drain', environment: 'production' }) as any;
  const mf = await startMiniflare([{ ...worker, scriptPath: workerBundle('drain') }]);
  try {
    const db = await migrateLoglane(mf, 'drain');
    const url = await directUrl(mf, 'drain');
    const post = async (path: string, messages: LogMessage[]) => {
      const body = JSON.stringify({ messages });
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
    const count = async () => (await db.prepare("SELECT COUNT(*) AS n FROM log_entries WHERE id LIKE 'log_drain%'").first<{ n: number }>())!.n;
    const storedAfterFirstPass = await count();
    for (const d of deliveries) await post('/consume', d); // redelivery of everything
    const storedAfterRedelivery = await count();
    const expected = opts.deliveries * MESSAGES * PER_MESSAGE;
    opts.log(`  drain: ${deliveries.length} deliveries of ${MESSAGES * PER_MESSAGE} entries`);
    return {
      deliveries: opts.deliveries,
      entriesPerDelivery: MESSAGES * PER_MESSAGE,
      consumerEntriesPerSec: spread(consumer),
      rawInsertEntriesPerSec: spread(raw),
      vsRawInsert: spread(consumer.map((c, i) => c / raw[i])),
      storedAfterFirstPass,
      storedAfterRedelivery,
      expected,
      idempotent: storedAfterFirstPass === expected && storedAfterRedelivery === expected,
    };
  } finally {
    await mf.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runDrain({ deliveries: Number(process.argv[2] ?? 4), log: console.error }));
