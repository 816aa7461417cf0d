// Log shards: D1 databases bound as LOGS_0, LOGS_1, … beside the control-plane DB. A project is
// placed on one when it is created (projects.log_shard) and all its entries live there.

const SHARD_NAME = /^LOGS_\d{1,4}$/;

/** The shard database bound under `name`; throws for anything that is not a bound log shard. */
export function logShard(env: Env, name: string): D1Database {
  const db = SHARD_NAME.test(name) ? (env as unknown as Record<string, D1Database | undefined>)[name] : undefined;
  if (typeof db?.prepare !== 'function') throw new Error(`no log shard bound as ${name}`);
  return db;
}

/** The shards that take new projects (LOG_SHARDS_OPEN), each checked to be bound. */
function openShards(env: Env): string[] {
  const names = env.LOG_SHARDS_OPEN.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) logShard(env, name);
  if (names.length === 0) throw new Error('LOG_SHARDS_OPEN names no shard');
  return names;
}

/**
 * A new project's shard: uniformly at random among the open ones, which spreads load and size
 * evenly. Placement is not a secret, so Math.random serves (crypto's getRandomValues was a seventh
 * of createProject's CPU in Node).
 */
export function placeNewProject(env: Env): string {
  const names = openShards(env);
  return names[Math.floor(Math.random() * names.length)];
}
