// The env the in-process runs hand to app.request(): the same StubD1 for every contender, plus
// in-memory stand-ins for the Loglane-only bindings (RateLimiter Durable Object, queue, KV).
import { timingSafeEqual } from 'node:crypto';
import { windowOf } from '../../src/rate-limit/window';
import { asD1, StubD1 } from './d1-stub';
import { API_KEY, KEY_ID, LOGLANE_VARS, PROJECT_ID, SESSION_ID, USER_ID } from './fixtures';

// workerd's non-standard crypto.subtle.timingSafeEqual (API-key tags are compared with it), from Node's.
const bytes = (data: ArrayBuffer | ArrayBufferView) =>
  ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
crypto.subtle.timingSafeEqual ??= (a, b) => timingSafeEqual(bytes(a), bytes(b));

/**
 * The RateLimiter's round trips, same arithmetic, counters in a Map instead of SQLite; the bench key
 * and session are live, and admitted ingests' messages go to `queue`.
 */
function rateLimiterNamespace(queue: ReturnType<typeof stubQueue>) {
  const windows = new Map<string, { start: number; count: number }>();
  const take = (id: string, limit: number, now: number, bucket = 'requests') => {
    const { start, end } = windowOf(now);
    const current = windows.get(`${id}/${bucket}`);
    const used = current?.start === start ? current.count : 0;
    const allowed = used < limit;
    if (allowed) windows.set(`${id}/${bucket}`, { start, count: used + 1 });
    return { allowed, limit, remaining: Math.max(0, limit - used - (allowed ? 1 : 0)), reset: end / 1000 };
  };
  const admitApiKey = (id: string, keyId: string, secret: string, bucket: string, limit: number, now: number) =>
    keyId === KEY_ID && secret === API_KEY
      ? { key: { keyId, projectId: PROJECT_ID, scopes: ['logs:write', 'logs:read'] }, decision: take(id, limit, now, bucket) }
      : null;
  return {
    idFromName: (name: string) => name,
    get: (id: string) => ({
      take: async (limit: number, now: number, bucket?: string) => take(id, limit, now, bucket),
      admitApiKey: async (keyId: string, secret: string, bucket: string, limit: number, now: number) =>
        admitApiKey(id, keyId, secret, bucket, limit, now),
      // The object sends through the env's queue, inside this one round trip.
      admitApiKeyAndSend: async (
        keyId: string,
        secret: string,
        bucket: string,
        limit: number,
        now: number,
        batches: { body: unknown }[][],
      ) => {
        const admitted = admitApiKey(id, keyId, secret, bucket, limit, now);
        if (admitted?.decision.allowed) await queue.sendBatch(batches.flat());
        return admitted;
      },
      admitSession: async (userId: string, sessionId: string, _startedAt: number, bucket: string, limit: number, now: number) =>
        userId === USER_ID && sessionId === SESSION_ID ? take(id, limit, now, bucket) : null,
    }),
  };
}

function stubQueue() {
  let entries = 0;
  return {
    get entries() {
      return entries;
    },
    async send(body: any) {
      entries += body?.entries?.length ?? 1;
    },
    async sendBatch(messages: { body: any }[]) {
      for (const m of messages) entries += m.body?.entries?.length ?? 1;
    },
  };
}

const loglaneResponders = [
  // requireRole's guard, which rides in the route's first D1 round trip: the bench user owns the workspace.
  (sql: string) => (sql.startsWith('SELECT CASE WHEN role IN') ? { results: [{ role: 'owner' }] } : undefined),
  (sql: string) => (sql.startsWith('UPDATE api_keys SET last_used_at') ? { changes: 0 } : undefined),
];

/** One env for all contenders: peers read DB only; Loglane reads the rest too. */
export function nodeEnv(environment: 'development' | 'production') {
  const queue = stubQueue();
  return {
    ...LOGLANE_VARS,
    ENVIRONMENT: environment,
    DB: asD1(new StubD1(loglaneResponders)),
    // Log shards: createProject only places projects on them.
    LOGS_0: asD1(new StubD1([])),
    LOGS_1: asD1(new StubD1([])),
    RATE_LIMITER: rateLimiterNamespace(queue),
    LOG_QUEUE: queue,
    CACHE: { get: async () => null, put: async () => {}, list: async () => ({ keys: [], list_complete: true }) },
  };
}

/** app.request()'s execution context: waitUntil work just runs. */
export const executionCtx = {
  waitUntil: (promise: Promise<unknown>) => void promise.catch(() => {}),
  passThroughOnException: () => {},
  props: {},
};
