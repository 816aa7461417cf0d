import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

// Storage is isolated per test file; each file starts from the migrated schemas: the control
// plane and every log shard.
await Promise.all([
  applyD1Migrations(env.DB, env.TEST_MIGRATIONS),
  applyD1Migrations(env.LOGS_0, env.TEST_LOG_MIGRATIONS),
  applyD1Migrations(env.LOGS_1, env.TEST_LOG_MIGRATIONS),
]);
