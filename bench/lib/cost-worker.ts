// Bench-only Worker for the cost run (bench/cost.ts): Loglane's own handlers (src/index.ts), with
// every binding wrapped in a counting proxy that tallies the operations Cloudflare bills. The
// counts live in this isolate and are read (and reset) through /__bench/counts, a path the real
// Worker does not have; everything else goes to Loglane unchanged.
import loglane from '../../src/index';

export { RateLimiter } from '../../src/rate-limit/rate-limiter';
export { LogTail } from '../../src/tail/log-tail';

const QUEUE_UNIT_BYTES = 64 * 1024;
const queueUnits = (body: unknown) => Math.max(1, Math.ceil(new TextEncoder().encode(JSON.stringify(body)).byteLength / QUEUE_UNIT_BYTES));
const byteLength = (value: unknown) =>
  typeof value === 'string'
    ? new TextEncoder().encode(value).byteLength
    : value instanceof ArrayBuffer
      ? value.byteLength
      : ArrayBuffer.isView(value)
        ? value.byteLength
        : 0;

const fresh = () => ({
  workerRequests: { fetch: 0, queue: 0, scheduled: 0 },
  handlerMs: 0,
  d1: {} as Record<string, { rowsRead: number; rowsWritten: number; queries: number; sizeAfter: number }>,
  durableObjectRequests: 0,
  queueOps: { write: 0, read: 0, delete: 0 },
  kv: { reads: 0, writes: 0, lists: 0, deletes: 0, bytesWritten: 0 },
  r2: { classA: 0, classB: 0, free: 0, bytesPut: 0 },
});
let counts = fresh();
/** Bytes currently held per KV key and R2 object (what is stored now). */
const kvStored = new Map<string, number>();
const r2Stored = new Map<string, number>();
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

type Meta = { rows_read?: number; rows_written?: number; size_after?: number };
function recordD1(binding: string, meta: Meta | undefined) {
  const c = (counts.d1[binding] ??= { rowsRead: 0, rowsWritten: 0, queries: 0, sizeAfter: 0 });
  c.queries++;
  c.rowsRead += meta?.rows_read ?? 0;
  c.rowsWritten += meta?.rows_written ?? 0;
  if (meta?.size_after) c.sizeAfter = meta.size_after;
}

/** A statement that reports its result's meta. `first` runs as `all` so that its meta is seen too. */
class CountedStatement {
  constructor(
    readonly binding: string,
    readonly inner: D1PreparedStatement,
  ) {}
  bind(...values: unknown[]) {
    return new CountedStatement(this.binding, this.inner.bind(...values));
  }
  async all<T>() {
    const result = await this.inner.all<T>();
    recordD1(this.binding, result.meta);
    return result;
  }
  async run<T>() {
    const result = await this.inner.run<T>();
    recordD1(this.binding, result.meta);
    return result;
  }
  async first<T>(column?: string) {
    const row = (await this.all<Record<string, unknown>>()).results[0];
    return (row === undefined ? null : column === undefined ? row : row[column]) as T | null;
  }
}

function countedD1(binding: string, db: D1Database): D1Database {
  return {
    prepare: (sql: string) => new CountedStatement(binding, db.prepare(sql)),
    batch: async (statements: CountedStatement[]) => {
      const results = await db.batch(statements.map((s) => s.inner));
      for (const result of results) recordD1(binding, result.meta);
      return results;
    },
  } as unknown as D1Database;
}

function countedKv(kv: KVNamespace): KVNamespace {
  return {
    get: (...args: unknown[]) => (counts.kv.reads++, (kv.get as (...a: unknown[]) => unknown)(...args)),
    getWithMetadata: (...args: unknown[]) => (counts.kv.reads++, (kv.getWithMetadata as (...a: unknown[]) => unknown)(...args)),
    list: (options?: KVNamespaceListOptions) => (counts.kv.lists++, kv.list(options)),
    put: (key: string, value: string, options?: KVNamespacePutOptions) => {
      counts.kv.writes++;
      counts.kv.bytesWritten += byteLength(value);
      kvStored.set(key, byteLength(value));
      return kv.put(key, value, options);
    },
    delete: (key: string) => (counts.kv.deletes++, kvStored.delete(key), kv.delete(key)),
  } as unknown as KVNamespace;
}

function countedR2(bucket: R2Bucket): R2Bucket {
  return {
    head: (key: string) => (counts.r2.classB++, bucket.head(key)),
    get: (key: string, options?: R2GetOptions) => (counts.r2.classB++, bucket.get(key, options)),
    list: (options?: R2ListOptions) => (counts.r2.classA++, bucket.list(options)),
    put: (key: string, value: string | ArrayBuffer | ArrayBufferView, options?: R2PutOptions) => {
      counts.r2.classA++;
      counts.r2.bytesPut += byteLength(value);
      r2Stored.set(key, byteLength(value));
      return bucket.put(key, value, options);
    },
    delete: (keys: string | string[]) => {
      counts.r2.free++; // DeleteObject is free (R2 pricing, "Free operations")
      for (const key of [keys].flat()) r2Stored.delete(key);
      return bucket.delete(keys);
    },
  } as unknown as R2Bucket;
}

function countedQueue(queue: Queue): Queue {
  return {
    send: (body: unknown, options?: QueueSendOptions) => ((counts.queueOps.write += queueUnits(body)), queue.send(body, options)),
    sendBatch: (messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions) => {
      for (const message of messages) counts.queueOps.write += queueUnits(message.body);
      return queue.sendBatch(messages, options);
    },
  } as unknown as Queue;
}

/** Every call on a Durable Object stub is one billed request (an RPC session or a fetch). */
function countedDurableObjects<Namespace extends Env['RATE_LIMITER'] | Env['LOG_TAIL']>(namespace: Namespace): Namespace {
  return {
    idFromName: (name: string) => namespace.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = namespace.get(id) as unknown as Record<string, (...args: unknown[]) => unknown>;
      return new Proxy(
        {},
        {
          get: (_, method: string) =>
            method === 'then' ? undefined : (...args: unknown[]) => (counts.durableObjectRequests++, stub[method](...args)),
        },
      );
    },
  } as unknown as Namespace;
}

function counted(env: Env): Env {
  const wrapped: Record<string, unknown> = { ...env };
  for (const [name, value] of Object.entries(env)) {
    if (name === 'DB' || /^LOGS_\d+$/.test(name)) wrapped[name] = countedD1(name, value as D1Database);
  }
  return {
    ...wrapped,
    CACHE: countedKv(env.CACHE),
    ARCHIVE: countedR2(env.ARCHIVE),
    LOG_QUEUE: countedQueue(env.LOG_QUEUE),
    PURGE_QUEUE: countedQueue(env.PURGE_QUEUE),
    RATE_LIMITER: countedDurableObjects(env.RATE_LIMITER),
    LOG_TAIL: countedDurableObjects(env.LOG_TAIL),
  } as unknown as Env;
}

async function timed<T>(work: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await work();
  } finally {
    counts.handlerMs += performance.now() - t;
  }
}

export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname === '/__bench/counts') {
      const body = { ...counts, kvStoredBytes: total(kvStored), r2StoredBytes: total(r2Stored), r2Objects: r2Stored.size };
      if (request.method === 'DELETE') counts = fresh();
      return Response.json(body);
    }
    counts.workerRequests.fetch++;
    return timed(async () => loglane.fetch(request as Parameters<typeof loglane.fetch>[0], counted(env), ctx));
  },
  async queue(batch, env) {
    counts.workerRequests.queue++;
    // Each delivered message is read, then deleted when acknowledged (both per 64 KB); a retry reads it again.
    for (const message of batch.messages) {
      counts.queueOps.read += queueUnits(message.body);
      counts.queueOps.delete += queueUnits(message.body);
    }
    return timed(() => loglane.queue(batch, counted(env)));
  },
  async scheduled(controller, env) {
    counts.workerRequests.scheduled++;
    return timed(() => loglane.scheduled(controller, counted(env)));
  },
} satisfies ExportedHandler<Env>;
