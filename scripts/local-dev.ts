// Local development is wrangler.jsonc's `env.development` (the top level is production): what
// `npm start`, the e2e suite, the docs browser test and the bench run under wrangler.
import path from 'node:path';
import { unstable_readConfig } from 'wrangler';
import { ROOT } from './lib.ts';

export const DEV_ENV = 'development';

/** The development environment's D1 bindings: the control plane and every log shard. */
export const localDatabases = (): string[] =>
  unstable_readConfig({ config: path.join(ROOT, 'wrangler.jsonc'), env: DEV_ENV }).d1_databases.map((database: { binding: string }) => database.binding);

/** wrangler arguments applying one database's migrations to local state (`persistTo`, else .wrangler/state). */
export const migrateArgs = (binding: string, persistTo?: string) => ['d1', 'migrations', 'apply', binding, '--local', '--env', DEV_ENV, ...(persistTo ? ['--persist-to', persistTo] : [])];

/** `wrangler dev` in the development environment; further arguments follow. */
export const DEV_ARGS = ['dev', '--env', DEV_ENV];
