// The env the in-process runs hand to app.request(): the same StubD1 for every contender, plus
// in-memory stand-ins for the Loglane-only bindings (rate-limit Durable Object, queue, KV).
import { windowOf } from '../../src/rate-limit/window';
import { asD1, StubD1 } from './d1-stub';
import { API_KEY_HASH, KEY_ID, LOGLANE_VARS, PROJECT_ID, SESSION_ID, USER_ID } from './fixtures';

/** The RateLimiter's take(), same arithmetic, counters in a Map instead of SQLite. */
function rateLimiterNamespace() {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    idFromName: (name: string) => name,
    get: (id: string) => ({
      async take(limit: number, now: number) {
        const { start, end } = windowOf(now);
        const current = windows.get(id);
        const used = current?.start === start ? current.count : 0;
        const allowed = used < limit;
        if (allowed) windows.set(id, { start, count: used + 1 });
        return { allowed, limit, remaining: Math.max(0, limit - used - (allowed ? 1 : 0)), reset: end / 1000 };
      },
    }),
  };
}

export function stubQueue() {
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
  (sql: string, args: unknown[]) => (sql.startsWith('SELECT 1 FROM session_families') && args[0] === SESSION_ID && args[1] === USER_ID ? { results: [{ 1: 1 }] } : undefined),
  (sql: string) => (sql.startsWith('SELECT role FROM workspace_members') ? { results: [{ role: 'owner' }] } : undefined),
  (sql: string, args: unknown[]) =>
    sql.includes('FROM api_keys WHERE secret_hash') && args[0] === API_KEY_HASH
      ? { results: [{ id: KEY_ID, project_id: PROJECT_ID, name: 'bench', scopes: '["logs:write","logs:read"]', prefix: 'sk_Bench', created_at: '2026-01-01T00:00:00.000Z', last_used_at: null }] }
      : undefined,
  (sql: string) => (sql.startsWith('UPDATE api_keys SET last_used_at') ? { changes: 0 } : undefined),
];

/** One env for all contenders: peers read DB only; Loglane reads the rest too. */
export function nodeEnv(environment: 'development' | 'production') {
  return {
    ...LOGLANE_VARS,
    ENVIRONMENT: environment,
    DB: asD1(new StubD1(loglaneResponders)),
    // Log shards: createProject only places projects on them.
    LOGS_0: asD1(new StubD1([])),
    LOGS_1: asD1(new StubD1([])),
    RATE_LIMITER: rateLimiterNamespace(),
    LOG_QUEUE: stubQueue(),
    CACHE: { get: async () => null, put: async () => {}, list: async () => ({ keys: [], list_complete: true }) },
  };
}

/** app.request()'s execution context: waitUntil work just runs. */
export const executionCtx = {
  waitUntil: (promise: Promise<unknown>) => void promise.catch(() => {}),
  passThroughOnException: () => {},
  props: {},
};
