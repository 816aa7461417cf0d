// esbuild builds of every contender, all with the same options:
// - worker/*.js   the Worker bundles workerd serves (ESM, minified, workerd conditions); sizes are of these
// - node/*.mjs    the same bundles for Node's import-time measurement (cloudflare:workers shimmed)
// - inproc/*.mjs  unminified Node bundles of the apps for the in-process runs (readable profiles)

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = path.join(ROOT, 'bench/.build');
const at = (file: string) => path.join(ROOT, file);

// How @hono/zod-openapi resolves: `shipped` as wrangler.jsonc's "alias" does (the runtime without the
// document generator), `package` the npm package itself (for the size comparison), `novalidate`
// a bench-only shim without request validation.
type Variant = 'shipped' | 'package' | 'novalidate';
type Entry = { name: string; worker: string; app: string; variant: Variant };

const CONTENDERS: Entry[] = [
  { name: 'bare', worker: 'bench/peers/bare.ts', app: 'bench/peers/bare.ts', variant: 'package' },
  { name: 'starter', worker: 'bench/peers/starter.ts', app: 'bench/peers/starter.ts', variant: 'package' },
  { name: 'chanfana', worker: 'bench/peers/chanfana.ts', app: 'bench/peers/chanfana.ts', variant: 'package' },
  { name: 'loglane', worker: 'src/index.ts', app: 'src/app.ts', variant: 'shipped' },
  // What the Worker would weigh with the whole @hono/zod-openapi package (size only).
  { name: 'loglane-full-package', worker: 'src/index.ts', app: 'src/app.ts', variant: 'package' },
  // Bench-only: no request validation (response validation is off through ENVIRONMENT=production).
  { name: 'loglane-novalidate', worker: 'src/index.ts', app: 'src/app.ts', variant: 'novalidate' },
];

const shimOf = (root: string, variant: Variant) =>
  variant === 'shipped'
    ? path.join(root, 'src/lib/openapi-runtime.ts')
    : variant === 'novalidate'
      ? at('bench/lib/zod-openapi-novalidate.ts')
      : undefined;

/** Points `@hono/zod-openapi` at the variant's module (for the tree at `root`), except from inside that module. */
const aliasZodOpenApi = (variant: Variant, root = ROOT): Plugin => ({
  name: 'alias-zod-openapi',
  setup(b) {
    const shim = shimOf(root, variant);
    if (!shim) return;
    b.onResolve({ filter: /^@hono\/zod-openapi$/ }, (args) => (args.importer === shim ? undefined : { path: shim }));
  },
});

const common = (variant: Variant, root = ROOT): BuildOptions => ({
  bundle: true,
  format: 'esm',
  target: 'es2022',
  logLevel: 'error',
  plugins: [aliasZodOpenApi(variant, root)],
  legalComments: 'none',
});

const workerOptions = (variant: Variant, root = ROOT): BuildOptions => ({
  ...common(variant, root),
  platform: 'neutral',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['browser', 'module', 'main'],
  minify: true,
  external: ['cloudflare:*', 'node:*'],
});

/** Bench-only Workers (not contenders): the drain harness around Loglane's own consumer, and Loglane with counted bindings. */
const BENCH_WORKERS = [
  { name: 'drain', worker: 'bench/lib/drain-worker.ts' },
  { name: 'cost', worker: 'bench/lib/cost-worker.ts' },
];

export async function buildAll(): Promise<void> {
  await Promise.all([
    ...BENCH_WORKERS.map((w) =>
      build({ ...workerOptions('shipped'), entryPoints: [at(w.worker)], outfile: path.join(OUT, 'worker', `${w.name}.js`) }),
    ),
    ...CONTENDERS.flatMap((c) => [
      build({ ...workerOptions(c.variant), entryPoints: [at(c.worker)], outfile: path.join(OUT, 'worker', `${c.name}.js`) }),
      build({
        ...workerOptions(c.variant),
        entryPoints: [at(c.worker)],
        outfile: path.join(OUT, 'node', `${c.name}.mjs`),
        alias: { 'cloudflare:workers': at('bench/lib/cf-workers-shim.ts') },
        external: ['node:*'],
      }),
      build({
        ...common(c.variant),
        platform: 'node',
        entryPoints: [at(c.app)],
        outfile: path.join(OUT, 'inproc', `${c.name}.mjs`),
        sourcemap: 'linked',
      }),
    ]),
  ]);
}

/**
 * A proposed src/ change, applied to a copy of the tree at `root` (bench/proposals.ts): built like
 * Loglane (as shipped, and without validation) as `proposed` and `proposed-novalidate`.
 */
export async function buildProposed(root: string): Promise<void> {
  const from = (file: string) => path.join(root, file);
  await Promise.all(
    (['shipped', 'novalidate'] as const).flatMap((variant) => {
      const name = variant === 'shipped' ? 'proposed' : `proposed-${variant}`;
      return [
        build({ ...workerOptions(variant, root), entryPoints: [from('src/index.ts')], outfile: path.join(OUT, 'worker', `${name}.js`) }),
        build({
          ...workerOptions(variant, root),
          entryPoints: [from('src/index.ts')],
          outfile: path.join(OUT, 'node', `${name}.mjs`),
          alias: { 'cloudflare:workers': at('bench/lib/cf-workers-shim.ts') },
          external: ['node:*'],
        }),
        build({
          ...common(variant, root),
          platform: 'node',
          entryPoints: [from('src/app.ts')],
          outfile: path.join(OUT, 'inproc', `${name}.mjs`),
          sourcemap: 'linked',
        }),
      ];
    }),
  );
}

/** Loglane's Worker unminified (`loglane-readable`), for workerd CPU profiles with function names. */
export const buildReadableWorker = () =>
  build({
    ...workerOptions('shipped'),
    minify: false,
    entryPoints: [at('src/index.ts')],
    outfile: path.join(OUT, 'worker', 'loglane-readable.js'),
  });

export const workerBundle = (name: string) => path.join(OUT, 'worker', `${name}.js`);
export const nodeBundle = (name: string) => path.join(OUT, 'node', `${name}.mjs`);
export const inprocBundle = (name: string) => path.join(OUT, 'inproc', `${name}.mjs`);
