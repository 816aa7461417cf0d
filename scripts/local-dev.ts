// Local development is wrangler.jsonc's `env.development` (the top level is production): what
// `npm start`, the e2e suite, the docs browser test and the bench run under wrangler.
import path from 'node:path';
import { unstable_readConfig } from 'wrangler';
import { ROOT } from './lib.ts';

export const DEV_ENV = 'development';

/** The development environment's D1 bindings: the control plane and every log shard. */
export const localDatabases = (): string[] =>
  unstable_readConfig({ config: path.join(ROOT, 'wrangler.jsonc'), env: DEV_ENV }).d1_databases.map(
    (database: { binding: string }) => database.binding,
  );

/** wrangler arguments applying one database's migrations to local state (`persistTo`, else .wrangler/state). */
export const migrateArgs = (binding: string, persistTo?: string) => [
  'd1',
  'migrations',
  'apply',
  binding,
  '--local',
  '--env',
  DEV_ENV,
  ...(persistTo ? ['--persist-to', persistTo] : []),
];

export type DevServerOptions = {
  /** --var overrides (PUBLIC_BASE_URL defaults to the server's own address). */
  vars?: Record<string, string>;
  /** Local state other than .wrangler/state (migrated with migrateArgs(…, persistTo)). */
  persistTo?: string;
  /** Secrets from this file instead of .dev.vars. */
  envFile?: string;
  inspectorPort?: number;
};

/**
 * The `wrangler dev` arguments of `npm start` (scripts/start.ts), which the e2e harness and the docs
 * browser test run as well: the development environment on 127.0.0.1:`port`, with PUBLIC_BASE_URL
 * following the port (mail links, the OAuth redirect_uri, the reference's server and samples).
 */
export function devServerArgs(port: number | string, options: DevServerOptions = {}): string[] {
  const vars = { PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, ...options.vars };
  return [
    'dev',
    '--env',
    DEV_ENV,
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    ...(options.inspectorPort === undefined ? [] : ['--inspector-port', String(options.inspectorPort)]),
    ...(options.persistTo === undefined ? [] : ['--persist-to', options.persistTo]),
    ...(options.envFile === undefined ? [] : ['--env-file', options.envFile]),
    ...Object.entries(vars).flatMap(([key, value]) => ['--var', `${key}:${value}`]),
  ];
}
