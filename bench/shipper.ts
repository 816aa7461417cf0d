// Shipper throughput in workerd: entries/s through createLogShipper (batches of 500, gzip, one batch
// in flight, an Idempotency-Key each) against raw batched calls (the same 500-entry batches as plain
// JSON through createLoglaneClient().ingestLogs, one at a time), in alternating rounds, against the
// production-config Worker (queue without a consumer, as in workerd.ts).
import { createLoglaneClient } from '../src/client/client';
import { createLogShipper } from '../src/client/shipper';
import { API_KEY, logEntry } from './lib/fixtures';
import { directUrl, loglaneWorker, migrateLoglane, startMiniflare } from './lib/mf';
import { spread, type Spread } from './lib/stats';

const BATCH = 500;

export type ShipperResult = { entries: number; batch: number; shipperEntriesPerSec: Spread; rawEntriesPerSec: Spread; vsRaw: Spread };

const perSecond = (entries: number, started: number) => entries / ((performance.now() - started) / 1000);

export async function runShipper(opts: { rounds: number; entries: number; log: (s: string) => void }): Promise<ShipperResult> {
  const mf = await startMiniflare([loglaneWorker({ name: 'loglane-prod', environment: 'production', queue: 'undrained' })]);
  try {
    await migrateLoglane(mf, 'loglane-prod');
    const baseUrl = await directUrl(mf, 'loglane-prod');
    const raw: number[] = [];
    const shipped: number[] = [];
    for (let round = 0; round < opts.rounds; round += 1) {
      const client = createLoglaneClient({ baseUrl, apiKey: API_KEY });
      let started = performance.now();
      for (let first = 0; first < opts.entries; first += BATCH) {
        const { error } = await client.ingestLogs({ body: { entries: Array.from({ length: BATCH }, (_, i) => logEntry(first + i)) } });
        if (error) throw error;
      }
      raw.push(perSecond(opts.entries, started));

      const shipper = createLogShipper({ baseUrl, apiKey: API_KEY, maxBatchEntries: BATCH });
      started = performance.now();
      for (let n = 0; n < opts.entries; n += 1) {
        const { level, message, attributes } = logEntry(n);
        shipper.log(level, message, attributes);
      }
      await shipper.close();
      shipped.push(perSecond(opts.entries, started));
      const stats = shipper.stats();
      if (stats.sent !== opts.entries) throw new Error(`the shipper sent ${stats.sent} of ${opts.entries}: ${JSON.stringify(stats)}`);
      opts.log(`  round ${round + 1}: shipper ${Math.round(shipped[round])}/s, raw ${Math.round(raw[round])}/s`);
    }
    return { entries: opts.entries, batch: BATCH, shipperEntriesPerSec: spread(shipped), rawEntriesPerSec: spread(raw), vsRaw: spread(shipped.map((rate, i) => rate / raw[i])) };
  } finally {
    await mf.dispose();
  }
}
