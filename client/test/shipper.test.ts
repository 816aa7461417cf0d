// createLogShipper and the pino transport against a local server that acts like POST /v1/logs
// (gzip, Idempotency-Key) and misbehaves on purpose: dropped connections, 500s and 429s.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import loglaneTransport from '../src/pino';
import { createLogShipper, type LogShipperOptions } from '../src/shipper';

type Entry = { level: string; message: string; timestamp: string; service?: string; attributes?: Record<string, unknown> };
type Received = { headers: IncomingMessage['headers']; entries: Entry[] };
type Behaviour = 'accept' | 'drop-before' | 'drop-after-storing' | 'error' | 'rate-limit' | 'refuse';

/** Deterministic randomness (mulberry32), so a failing run can be replayed. */
function seeded(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A stand-in for POST /v1/logs that stores each Idempotency-Key's batch once, as the API does, and
 * answers each attempt the way `behave` says.
 */
async function startIngest(behave: (attempt: number) => Behaviour) {
  const stored: Entry[] = [];
  const attempts: Received[] = [];
  const seenKeys = new Set<string>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
    const entries = (JSON.parse(text) as { entries: Entry[] }).entries;
    attempts.push({ headers: req.headers, entries });
    const behaviour = behave(attempts.length);
    const key = String(req.headers['idempotency-key']);
    const store = () => {
      if (seenKeys.has(key)) return;
      seenKeys.add(key);
      stored.push(...entries);
    };
    const answer = (status: number, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end('{}');
    if (behaviour === 'drop-before') return req.socket.destroy();
    if (behaviour === 'drop-after-storing') {
      store();
      return req.socket.destroy();
    }
    if (behaviour === 'error') return answer(500);
    if (behaviour === 'rate-limit') return answer(429, { 'Retry-After': '0' });
    if (behaviour === 'refuse') return answer(400);
    store();
    answer(202);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { url, stored, attempts, close };
}

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});
async function ingestServer(behave: (attempt: number) => Behaviour) {
  const server = await startIngest(behave);
  servers.push(server);
  return server;
}
const fast = { apiKey: 'sk_test', baseDelayMs: 1, maxDelayMs: 5 } satisfies Partial<LogShipperOptions>;

describe('createLogShipper', () => {
  it('delivers every entry exactly once through dropped connections, 500s and 429s', async () => {
    const random = seeded(16);
    const behaviours: Behaviour[] = ['drop-before', 'drop-after-storing', 'error', 'rate-limit'];
    // Half of all attempts fail, in one of four ways, at random.
    const server = await ingestServer(() => (random() < 0.5 ? behaviours[Math.floor(random() * 4)] : 'accept'));
    const errors: Error[] = [];
    const shipper = createLogShipper({
      ...fast,
      baseUrl: server.url,
      maxBatchEntries: 37,
      maxRetries: 60,
      onError: (error) => errors.push(error),
    });
    const total = 2000;
    for (let i = 0; i < total; i += 1) shipper.log(i % 2 ? 'info' : 'warn', `entry ${i}`, { i });
    await shipper.close();

    expect(errors).toEqual([]);
    const messages = server.stored.map((entry) => entry.message);
    expect(messages).toHaveLength(total);
    expect(new Set(messages).size).toBe(total);
    expect(messages).toEqual(Array.from({ length: total }, (_, i) => `entry ${i}`)); // and in order
    const failures = server.attempts.length - Math.ceil(total / 37);
    expect(failures).toBeGreaterThan(20); // the chaos really happened
    expect(shipper.stats()).toEqual({ buffered: 0, sent: total, dropped: 0, failed: 0, batches: Math.ceil(total / 37), retries: failures });
  });

  it('batches by count and bytes, gzips, and gives each batch its own Idempotency-Key kept across retries', async () => {
    const server = await ingestServer((attempt) => (attempt === 1 ? 'error' : 'accept'));
    const shipper = createLogShipper({ ...fast, baseUrl: server.url, maxBatchEntries: 10, maxBatchBytes: 2000, service: 'checkout-api' });
    for (let i = 0; i < 25; i += 1) shipper.info(`count ${i}`);
    shipper.info('x'.repeat(1500));
    shipper.info('y'.repeat(1500));
    await shipper.close();

    const sizes = server.attempts.map((attempt) => attempt.entries.length);
    expect(sizes).toEqual([10, 10, 10, 5, 1, 1]); // the first batch twice: its 500 was retried
    const keys = server.attempts.map((attempt) => attempt.headers['idempotency-key']);
    expect(keys[0]).toBe(keys[1]);
    expect(new Set(keys).size).toBe(5);
    expect(
      server.attempts.every(
        (attempt) => attempt.headers['content-encoding'] === 'gzip' && attempt.headers.authorization === 'Bearer sk_test',
      ),
    ).toBe(true);
    expect(server.stored.every((entry) => entry.service === 'checkout-api' && !Number.isNaN(Date.parse(entry.timestamp)))).toBe(true);
  });

  it('sends a partial batch after flushIntervalMs', async () => {
    const server = await ingestServer(() => 'accept');
    const shipper = createLogShipper({ ...fast, baseUrl: server.url, flushIntervalMs: 20 });
    shipper.warn('waits for the timer', { n: 1 });
    await expect.poll(() => server.stored.length).toBe(1);
    expect(server.stored[0]).toMatchObject({ level: 'warn', message: 'waits for the timer', attributes: { n: 1 } });
    await shipper.close();
  });

  it('drops the newest entries when the buffer is full, and after close', async () => {
    const server = await ingestServer(() => 'accept');
    const shipper = createLogShipper({ ...fast, baseUrl: server.url, maxBufferEntries: 5, maxBatchEntries: 100, flushIntervalMs: 60_000 });
    for (let i = 0; i < 8; i += 1) shipper.info(`buffered ${i}`);
    expect(shipper.stats()).toMatchObject({ buffered: 5, dropped: 3 });
    await shipper.close();
    shipper.info('after close');
    expect(server.stored.map((entry) => entry.message)).toEqual([0, 1, 2, 3, 4].map((i) => `buffered ${i}`));
    expect(shipper.stats()).toMatchObject({ buffered: 0, sent: 5, dropped: 4 });
  });

  it('gives up a refused batch without retrying, reports it, and never throws into the application', async () => {
    const server = await ingestServer(() => 'refuse');
    const errors: Error[] = [];
    const shipper = createLogShipper({ ...fast, baseUrl: server.url, onError: (error) => errors.push(error) });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => shipper.info('circular', circular)).not.toThrow();
    expect(() => shipper.info('', {})).not.toThrow();
    expect(() => shipper.info('z'.repeat(9000))).not.toThrow();
    expect(() => shipper.log('info', 'bad time', {}, { timestamp: 'not a time' })).not.toThrow();
    shipper.error('refused by the server');
    await shipper.close();
    expect(server.attempts).toHaveLength(1);
    expect(errors.map((error) => error.message)).toEqual(['1 log entries given up: POST /v1/logs answered 400']);
    expect(shipper.stats()).toMatchObject({ sent: 0, failed: 1, dropped: 4 });
  });

  it('gives up after maxRetries when nothing answers', async () => {
    const errors: Error[] = [];
    const shipper = createLogShipper({ ...fast, baseUrl: 'http://127.0.0.1:9', maxRetries: 2, onError: (error) => errors.push(error) });
    shipper.info('nowhere to go');
    await shipper.close();
    expect(shipper.stats()).toMatchObject({ sent: 0, failed: 1, retries: 2 });
    expect(errors[0].message).toMatch(/^1 log entries given up: POST \/v1\/logs got no response/);
  });
});

describe('@loglane/client/pino', () => {
  it('ships pino lines: levels mapped, msg as message, time as timestamp, other fields as attributes', async () => {
    const server = await ingestServer(() => 'accept');
    const transport = loglaneTransport({ ...fast, baseUrl: server.url, service: 'pino-app' });
    const logger = pino({ level: 'trace', base: { pid: 42 } }, transport);
    logger.trace('tracing');
    logger.info({ orderId: 'ord_42', nested: { a: 1 } }, 'order placed');
    logger.error('failed');
    logger.fatal('down');
    transport.end();
    await once(transport, 'close');
    expect(server.stored.map(({ level, message, service, attributes }) => ({ level, message, service, attributes }))).toEqual([
      { level: 'debug', message: 'tracing', service: 'pino-app', attributes: { pid: 42 } },
      { level: 'info', message: 'order placed', service: 'pino-app', attributes: { pid: 42, orderId: 'ord_42', nested: '{"a":1}' } },
      { level: 'error', message: 'failed', service: 'pino-app', attributes: { pid: 42 } },
      { level: 'fatal', message: 'down', service: 'pino-app', attributes: { pid: 42 } },
    ]);
  });
});
