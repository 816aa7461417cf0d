// Shipper throughput in workerd: entries/s through createLogShipper (batches of 500, gzip, one batch
// in flight, an Idempotency-Key each; and again without gzip) against raw batched calls (the same
// 500-entry batches as plain JSON through createLoglaneClient().ingestLogs, one at a time, without
// and with an Idempotency-Key), in alternating rounds, against the
// production-config Worker (queue without a consumer, as in workerd.ts).
import { createLoglaneClient } from '../client/src/client';
import { createLogShipper } from '../client/src/shipper';
import { API_KEY, logEntry } from './lib/fixtures';
import { directUrl, loglaneWorker, migrateLoglane, startMiniflare } from './lib/mf';
import { type Spread, spread } from './lib/stats';

const BATCH = 500;

export type ShipperResult = {
  entries: number;
  batch: number;
  shipperEntriesPerSec: Spread;
  shipperWithoutGzipEntriesPerSec: Spread;
  rawEntriesPerSec: Spread;
  rawWithIdempotencyKeyEntriesPerSec: Spread;
  vsRaw: Spread;
  withoutGzipVsRaw: Spread;
};

const perSecond = (entries: number, started: number) => entries / ((performance.now() - started) / 1000);

export async function runShipper(opts: { rounds: number; entries: number; log: (s: string) => void }): Promise<ShipperResult> {
  const mf = await startMiniflare([loglaneWorker({ name: 'loglane-prod', environment: 'production', queue: 'undrained' })]);
  try {
    await migrateLoglane(mf, 'loglane-prod');
    const baseUrl = await directUrl(mf, 'loglane-prod');
    const raw: number[] = [];
    const rawIdempotent: number[] = [];
    const shipped: number[] = [];
    const shippedPlain: number[] = [];
    /** The whole run logged at once (faster than any network drains it: the buffer holds it all), then closed. */
    const ship = async (gzip: boolean) => {
      const shipper = createLogShipper({ baseUrl, apiKey: API_KEY, maxBatchEntries: BATCH, maxBufferEntries: opts.entries, gzip });
      const started = performance.now();
      for (let n = 0; n < opts.entries; n += 1) {
        const { level, message, attributes } = logEntry(n);
        shipper.log(level, message, attributes);
      }
      await shipper.close();
      const stats = shipper.stats();
      if (stats.sent !== opts.entries) throw new Error(`the shipper sent ${stats.sent} of ${opts.entries}: ${JSON.stringify(stats)}`);
      return perSecond(opts.entries, started);
    };
    /** The same batches as plain ingestLogs calls, one at a time (with an Idempotency-Key each, or none). */
    const callRaw = async (idempotent: boolean) => {
      const client = createLoglaneClient({ baseUrl, apiKey: API_KEY });
      const started = performance.now();
      for (let first = 0; first < opts.entries; first += BATCH) {
        const body = { entries: Array.from({ length: BATCH }, (_, i) => logEntry(first + i)) };
        const { error } = await client.ingestLogs({ body, ...(idempotent ? { headers: { 'Idempotency-Key': crypto.randomUUID() } } : {}) });
        if (error) throw error;
      }
      return perSecond(opts.entries, started);
    };
    for (let round = 0; round < opts.rounds; round += 1) {
      raw.push(await callRaw(false));
      rawIdempotent.push(await callRaw(true));
      shipped.push(await ship(true));
      shippedPlain.push(await ship(false));
      opts.log(
        `  round ${round + 1}: shipper ${Math.round(shipped[round])}/s (without gzip ${Math.round(shippedPlain[round])}/s), raw ${Math.round(raw[round])}/s (with Idempotency-Key ${Math.round(rawIdempotent[round])}/s)`,
      );
    }
    return {
      entries: opts.entries,
      batch: BATCH,
      shipperEntriesPerSec: spread(shipped),
      shipperWithoutGzipEntriesPerSec: spread(shippedPlain),
      rawEntriesPerSec: spread(raw),
      rawWithIdempotencyKeyEntriesPerSec: spread(rawIdempotent),
      vsRaw: spread(shipped.map((rate, i) => rate / raw[i])),
      withoutGzipVsRaw: spread(shippedPlain.map((rate, i) => rate / raw[i])),
    };
  } finally {
    await mf.dispose();
  }
}
