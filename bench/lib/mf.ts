// Miniflare instances for the workerd runs: each contender's BUILT bundle (bench/.build/worker),
// served on its own direct loopback socket (unsafeDirectSockets), cf fetching off. Loglane's
// bindings come from wrangler.jsonc (unstable_getMiniflareWorkerOptions) minus the assets router.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Log, LogLevel, Miniflare, type WorkerOptions } from 'miniflare';
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from 'wrangler';
import { PEER_SCHEMA } from '../peers/shared';
import { ROOT, workerBundle } from './build';
import { LOGLANE_VARS, tenantSeedSql } from './fixtures';

const COMPAT = { compatibilityDate: '2026-04-20' };
const direct = [{ host: '127.0.0.1', port: 0 }];

export const peerWorker = (name: string, bundle = name): WorkerOptions => ({
  name,
  modules: true,
  scriptPath: workerBundle(bundle),
  ...COMPAT,
  d1Databases: { DB: `${name}-db` },
  unsafeDirectSockets: direct,
});

type LoglaneOptions = {
  name: string;
  bundle?: string;
  environment?: 'development' | 'production';
  /** The queue LOG_QUEUE sends to; only the queue named in wrangler.jsonc has the consumer. */
  queue?: string;
  consumer?: boolean;
  /** Share D1 and KV with another worker of the same instance (same data, different bundle). */
  storageOf?: string;
  /** Both queues under their wrangler.jsonc names, each with its consumer (the Worker tells them apart by name). */
  configuredQueues?: boolean;
};

export function loglaneWorker(o: LoglaneOptions): WorkerOptions {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(ROOT, 'wrangler.jsonc'), 'development');
  const { assets: _assets, queueConsumers, queueProducers, bindings, ...rest } = workerOptions as any;
  const queue = o.queue ?? 'loglane-logs';
  return {
    ...rest,
    name: o.name,
    modules: true,
    scriptPath: workerBundle(o.bundle ?? 'loglane'),
    bindings: { ...bindings, ...LOGLANE_VARS, ENVIRONMENT: o.environment ?? 'development' },
    d1Databases: Object.fromEntries(LOGLANE_DATABASES.map((binding) => [binding, `${o.storageOf ?? o.name}-${binding.toLowerCase()}`])),
    kvNamespaces: { CACHE: `${o.storageOf ?? o.name}-kv` },
    ...(o.configuredQueues
      ? { queueProducers, queueConsumers }
      : {
          queueProducers: { LOG_QUEUE: { queueName: `${o.name}-${queue}` }, PURGE_QUEUE: { queueName: `${o.name}-loglane-purge` } },
          queueConsumers: o.consumer ? { [`${o.name}-${queue}`]: queueConsumers['loglane-logs'] } : {},
        }),
    unsafeDirectSockets: direct,
  } as WorkerOptions;
}

/**
 * Storage (D1, KV, Durable Objects, queues) lives on tmpfs: every contender's SQLite commit then
 * costs CPU, not this shared disk's fsync (which capped every D1 write path near 200 req/s and
 * hid the framework differences). Removed again by dispose().
 */
export async function startMiniflare(
  workers: WorkerOptions[],
  extra: { inspectorPort?: number } = {},
): Promise<Miniflare & { root: string }> {
  const root = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'loglane-bench-'));
  const mf = new Miniflare({ workers, cf: false, defaultPersistRoot: root, log: new Log(LogLevel.WARN), ...extra } as any);
  await mf.ready;
  const dispose = mf.dispose.bind(mf);
  return Object.assign(mf, {
    root,
    dispose: async () => {
      try {
        await dispose();
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  });
}

/** Loglane's D1 bindings: the control plane and the log shards (env.development). */
const LOG_SHARDS = ['LOGS_0', 'LOGS_1'];
const LOGLANE_DATABASES = ['DB', ...LOG_SHARDS];

/** One migrations folder's statements, as wrangler would apply them. */
function migrationStatements(folder: 'control' | 'logs'): string[] {
  const dir = path.join(ROOT, 'migrations', folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((f) => unstable_splitSqlQuery(readFileSync(path.join(dir, f), 'utf8')))
    .filter((s) => s.trim() && !/^\s*PRAGMA/i.test(s));
}

export async function migrateLoglane(mf: Miniflare, worker: string) {
  const db = await mf.getD1Database('DB', worker);
  for (const sql of migrationStatements('control')) await db.prepare(sql).run();
  for (const sql of tenantSeedSql()) await db.prepare(sql).run();
  for (const shard of LOG_SHARDS) {
    const shardDb = await mf.getD1Database(shard, worker);
    for (const sql of migrationStatements('logs')) await shardDb.prepare(sql).run();
  }
  return db;
}

export async function migratePeer(mf: Miniflare, worker: string) {
  const db = await mf.getD1Database('DB', worker);
  await db.prepare(PEER_SCHEMA).run();
  return db;
}

export const directUrl = async (mf: Miniflare, worker: string) => (await mf.unsafeGetDirectURL(worker)).toString().replace(/\/$/, '');
