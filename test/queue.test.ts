// The LOG_QUEUE consumer: every accepted entry is stored exactly once, whatever fails and whatever
// Queues redelivers. The consumer is driven directly (createMessageBatch / getQueueResult).
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LogMessage } from '../src/model/logs';
import { capturingQueue, deliver, fetchWithEnv, ingestAndStore, logPages, shardOf, storedCount, storedEntries } from './logs.support';
import { api } from './support/http';
import { createTenant, type Tenant } from './support/tenancy';

/** A D1 whose batch() throws on its first `failures` calls (before touching the database). */
function flakyDb(db: D1Database, failures: number): D1Database {
  let left = failures;
  return {
    prepare: (sql: string) => db.prepare(sql),
    batch: async (statements: D1PreparedStatement[]) => {
      if (left-- > 0) throw new Error('D1_ERROR: simulated outage');
      return db.batch(statements);
    },
  } as unknown as D1Database;
}

/** A KV whose put() throws on its first `failures` calls: D1 is written, then the batch fails. */
function flakyKv(failures: number): KVNamespace {
  let left = failures;
  return {
    put: async (...args: Parameters<KVNamespace['put']>) => {
      if (left-- > 0) throw new Error('KV unavailable');
      return env.CACHE.put(...args);
    },
  } as unknown as KVNamespace;
}

const storedIds = async (projectId: string) => (await storedEntries(projectId)).map((entry) => entry.id).sort();

/** Every entry a source serves for the key's project, walking the pages. */
async function servedIds(secret: string, source: 'd1' | 'kv', limit = 1000): Promise<string[]> {
  const pages = await logPages(secret, `source=${source}&limit=${limit}`);
  return pages.flatMap((page) => page.body.data.entries.map((e: { id: string }) => e.id));
}

describe('no loss, no duplicates', () => {
  let t: Tenant;
  beforeAll(async () => {
    t = await createTenant();
  });

  it('stores every accepted entry exactly once through failures and redeliveries', async () => {
    // 3,000 entries accepted by 50 concurrent requests.
    const { queue, sent } = capturingQueue();
    const testEnv = { ...env, LOG_QUEUE: queue };
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, r) =>
        fetchWithEnv(testEnv, 'POST', '/v1/logs', {
          token: t.key.secret,
          body: {
            entries: Array.from({ length: 60 }, (_, i) => ({
              level: i % 2 ? 'info' : 'error',
              message: `request ${r} entry ${i}`,
              attributes: { r, i },
            })),
          },
        }),
      ),
    );
    expect(responses.map((res) => res.status)).toEqual(Array(50).fill(202));
    const accepted = responses.flatMap((res) => res.body.data.ids as string[]);
    expect(new Set(accepted).size).toBe(3000);
    expect(sent.reduce((n, m) => n + m.entries.length, 0)).toBe(3000);

    // Deliveries of 10 messages each. The first fails in the shard (nothing stored), the third after
    // the shard (stored, then KV fails): both are retried, the others acknowledged.
    const shard = await shardOf(t.project.id);
    const deliveries = Array.from({ length: Math.ceil(sent.length / 10) }, (_, i) => sent.slice(i * 10, i * 10 + 10));
    expect(deliveries.length).toBeGreaterThanOrEqual(3);
    const retried: LogMessage[] = [];
    for (const [i, bodies] of deliveries.entries()) {
      const failing = i === 0 ? { ...env, [shard]: flakyDb(env[shard], 1) } : i === 2 ? { ...env, CACHE: flakyKv(1) } : env;
      const outcome = await deliver(bodies, { env: failing });
      if (i === 0 || i === 2) {
        expect(outcome.retriedIds).toEqual(outcome.ids);
      } else {
        expect(outcome.retriedIds).toEqual([]);
        expect(outcome.result.explicitAcks.sort()).toEqual([...outcome.ids].sort());
      }
      retried.push(...outcome.retried);
    }
    expect(await storedCount(t.project.id)).toBe(3000 - deliveries[0].reduce((n, m) => n + m.entries.length, 0));

    // Queues redelivers the retried messages, and (at least once delivery) some acknowledged ones
    // again, grouped differently.
    expect((await deliver(retried, { attempts: 2 })).retriedIds).toEqual([]);
    expect((await deliver([...deliveries[1].slice(5), ...deliveries[3].slice(0, 5)], { attempts: 2 })).retriedIds).toEqual([]);

    const stored = await storedIds(t.project.id);
    expect(stored).toHaveLength(3000);
    expect(stored).toEqual([...accepted].sort());
    // The fast path serves each entry once too, although a redelivery put some in two buckets.
    const fromKv = await servedIds(t.key.secret, 'kv');
    expect(fromKv).toHaveLength(3000);
    expect([...fromKv].sort()).toEqual([...accepted].sort());
  });
});

describe('the consumer', () => {
  let t: Tenant;
  beforeAll(async () => {
    t = await createTenant();
  });
  const message = (projectId: string, id: string): LogMessage => ({
    v: 1,
    projectId,
    receivedAt: new Date().toISOString(),
    entries: [{ id, level: 'info', message: `stored ${id}`, timestamp: new Date().toISOString(), attributes: {} }],
  });

  it('retries a message it does not understand without holding up the rest', async () => {
    const outcome = await deliver([{ nonsense: true } as unknown as LogMessage, message(t.project.id, 'log_consumer1')]);
    expect(outcome.retriedIds).toEqual([outcome.ids[0]]);
    expect(outcome.result.explicitAcks).toEqual([outcome.ids[1]]);
    expect(await storedIds(t.project.id)).toContain('log_consumer1');
  });

  it('drops entries of a project deleted while they were queued, storing the rest', async () => {
    const outcome = await deliver([message('prj_deletedmeanwhile', 'log_consumer2'), message(t.project.id, 'log_consumer3')]);
    expect(outcome.retriedIds).toEqual([]);
    const everywhere = [
      ...(await storedEntries('prj_deletedmeanwhile', 'LOGS_0')),
      ...(await storedEntries('prj_deletedmeanwhile', 'LOGS_1')),
    ];
    expect(everywhere).toEqual([]);
    expect(await storedIds(t.project.id)).toContain('log_consumer3');
  });

  // A second angle on redelivery (the test above counts rows in D1): messages delivered again,
  // alone and regrouped, are answered once each by both read paths, walked in small pages.
  it('answers redelivered messages once, from d1 and from kv', async () => {
    const r = await createTenant();
    const { queue, sent } = capturingQueue();
    const accepted: string[] = [];
    for (const label of ['first', 'second']) {
      const entries = Array.from({ length: 6 }, (_, i) => ({ level: 'info', message: `${label} ${i}` }));
      const res = await fetchWithEnv({ ...env, LOG_QUEUE: queue }, 'POST', '/v1/logs', { body: { entries }, token: r.key.secret });
      expect(res.status).toBe(202);
      accepted.push(...res.body.data.ids);
    }
    expect(sent).toHaveLength(2);
    for (const [bodies, attempts] of [
      [[sent[0]], 1],
      [[sent[1]], 1],
      [sent, 2],
      [[sent[0]], 3],
    ] as const) {
      expect((await deliver([...bodies], { attempts })).retriedIds).toEqual([]);
    }
    for (const source of ['d1', 'kv'] as const) expect((await servedIds(r.key.secret, source, 5)).sort(), source).toEqual(accepted.sort());
  });

  it('writes one KV key per project per delivery', async () => {
    const other = await createTenant();
    const before = (await env.CACHE.list({ prefix: 'recent:' })).keys.length;
    await deliver([
      message(t.project.id, 'log_consumer4'),
      message(t.project.id, 'log_consumer5'),
      message(other.project.id, 'log_consumer6'),
    ]);
    const keys = (await env.CACHE.list({ prefix: 'recent:' })).keys;
    expect(keys.length - before).toBe(2);
    const key = keys.find((k) => k.name.startsWith(`recent:${t.project.id}:`) && k.name.endsWith(':log_consumer4'));
    expect(key?.expiration).toBeGreaterThan(Date.now() / 1000 + 23 * 3600);
    expect(key?.metadata).toMatchObject({ levels: ['info'] });
  });
});

describe('stored bytes', () => {
  const utf8 = (text: string) => new TextEncoder().encode(text).byteLength;
  const gzipLength = async (text: string) =>
    (await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()).byteLength;

  it('keeps every field of every entry in both stores, in fewer bytes than gzipped NDJSON (KV: a quarter of the JSON)', async () => {
    const t = await createTenant();
    const services = ['api', 'checkout', undefined];
    const inputs = Array.from({ length: 400 }, (_, i) => ({
      level: (['debug', 'info', 'warn', 'error', 'fatal'] as const)[i % 5],
      message: `GET /api/orders/${(i * 7919) % 100_000} answered ${i % 9 ? 200 : 500} in ${(i * 37) % 900} ms for user u_${((i * 2654435761) >>> 0).toString(16)} ✓`,
      ...(services[i % 3] === undefined ? {} : { service: services[i % 3] }),
      ...(i % 2 ? { timestamp: new Date(Date.now() - i * 1000).toISOString() } : {}),
      attributes:
        i % 4
          ? { route: '/api/orders/:id', status: i % 9 ? 200 : 500, cached: i % 2 === 0, requestId: `r${(i * 104729).toString(36)}` }
          : {},
    }));
    const ids = await ingestAndStore(t.key.secret, { entries: inputs });

    const served: Record<string, { id: string }[]> = {};
    for (const source of ['d1', 'kv'] as const) {
      const res = await api.get(`/v1/logs?source=${source}&limit=1000`, { token: t.key.secret });
      expect(res.status).toBe(200);
      served[source] = [...res.body.data.entries].sort((a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1));
    }
    expect(served.kv).toEqual(served.d1);
    const byId = new Map(served.d1.map((entry) => [entry.id, entry]));
    inputs.forEach((input, i) => {
      const entry = byId.get(ids[i]) as Record<string, unknown> | undefined;
      expect(entry).toMatchObject({ projectId: t.project.id, level: input.level, message: input.message, attributes: input.attributes });
      expect(entry?.service).toBe(input.service);
      if (input.timestamp) expect(entry?.timestamp).toBe(input.timestamp);
    });

    const ndjson = served.d1.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    const shard = await shardOf(t.project.id);
    const block = await env[shard]
      .prepare('SELECT SUM(length(data)) AS bytes FROM log_blocks WHERE project_id = ?')
      .bind(t.project.id)
      .first<{ bytes: number }>();
    const { keys } = await env.CACHE.list({ prefix: `recent:${t.project.id}:` });
    const kvBytes = (await Promise.all(keys.map(async (key) => (await env.CACHE.get(key.name, 'arrayBuffer'))!.byteLength))).reduce(
      (a, b) => a + b,
      0,
    );
    const ndjsonGzip = await gzipLength(ndjson);
    // Columns, not NDJSON: at least 10% fewer bytes than gzipped NDJSON of the same entries.
    expect(block!.bytes).toBeLessThan(ndjsonGzip * 0.9);
    expect(kvBytes).toBeLessThan(ndjsonGzip);
    expect(kvBytes).toBeLessThan(utf8(ndjson) / 4);
  });
});
