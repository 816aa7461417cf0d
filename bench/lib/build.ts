// esbuild builds of every contender, all with the same options:
// - worker/*.js   the Worker bundles workerd serves (ESM, minified, workerd conditions); sizes are of these
// - node/*.mjs    the same bundles for Node's import-time measurement (cloudflare:workers shimmed)
// - inproc/*.mjs  unminified Node bundles of the apps for the in-process runs (readable profiles)
import { build, type BuildOptions, type Plugin } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = path.join(ROOT, 'bench/.build');
const at = (file: string) => path.join(ROOT, file);

export type Variant = 'real' | 'lite' | 'novalidate';
type Entry = { name: string; worker: string; app: string; variant: Variant };

export const CONTENDERS: Entry[] = [
  { name: 'bare', worker: 'bench/peers/bare.ts', app: 'bench/peers/bare.ts', variant: 'real' },
  { name: 'starter', worker: 'bench/peers/starter.ts', app: 'bench/peers/starter.ts', variant: 'real' },
  { name: 'chanfana', worker: 'bench/peers/chanfana.ts', app: 'bench/peers/chanfana.ts', variant: 'real' },
  { name: 'loglane', worker: 'src/index.ts', app: 'src/app.ts', variant: 'real' },
  // Proposed production build: @hono/zod-openapi's runtime without its document generator.
  { name: 'loglane-lite', worker: 'src/index.ts', app: 'src/app.ts', variant: 'lite' },
  // Bench-only: no request validation (response validation is off through ENVIRONMENT=production).
  { name: 'loglane-novalidate', worker: 'src/index.ts', app: 'src/app.ts', variant: 'novalidate' },
];

const SHIMS: Record<Exclude<Variant, 'real'>, string> = {
  lite: at('bench/lib/zod-openapi-lite.ts'),
  novalidate: at('bench/lib/zod-openapi-novalidate.ts'),
};

/** Points `@hono/zod-openapi` at a bench shim, except from inside the shims themselves (type re-exports). */
const aliasZodOpenApi = (variant: Variant): Plugin => ({
  name: 'alias-zod-openapi',
  setup(b) {
    if (variant === 'real') return;
    b.onResolve({ filter: /^@hono\/zod-openapi$/ }, (args) => (Object.values(SHIMS).includes(args.importer) ? undefined : { path: SHIMS[variant] }));
  },
});

const common = (variant: Variant): BuildOptions => ({
  bundle: true,
  format: 'esm',
  target: 'es2022',
  logLevel: 'error',
  plugins: [aliasZodOpenApi(variant)],
  legalComments: 'none',
});

const workerOptions = (variant: Variant): BuildOptions => ({
  ...common(variant),
  platform: 'neutral',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['browser', 'module', 'main'],
  minify: true,
  external: ['cloudflare:*', 'node:*'],
});

/** Bench-only Workers (not contenders): the drain harness around Loglane's own consumer. */
const BENCH_WORKERS = [{ name: 'drain', worker: 'bench/lib/drain-worker.ts' }];

export async function buildAll(): Promise<void> {
  await Promise.all([
    ...BENCH_WORKERS.map((w) => build({ ...workerOptions('real'), entryPoints: [at(w.worker)], outfile: path.join(OUT, 'worker', `${w.name}.js`) })),
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
 * Loglane (real, lite runtime, no validation) as `proposed`, `proposed-lite`, `proposed-novalidate`.
 */
export async function buildProposed(root: string): Promise<void> {
  const from = (file: string) => path.join(root, file);
  await Promise.all(
    (['real', 'lite', 'novalidate'] as const).flatMap((variant) => {
      const name = variant === 'real' ? 'proposed' : `proposed-${variant}`;
      return [
        build({ ...workerOptions(variant), entryPoints: [from('src/index.ts')], outfile: path.join(OUT, 'worker', `${name}.js`) }),
        build({
          ...workerOptions(variant),
          entryPoints: [from('src/index.ts')],
          outfile: path.join(OUT, 'node', `${name}.mjs`),
          alias: { 'cloudflare:workers': at('bench/lib/cf-workers-shim.ts') },
          external: ['node:*'],
        }),
        build({ ...common(variant), platform: 'node', entryPoints: [from('src/app.ts')], outfile: path.join(OUT, 'inproc', `${name}.mjs`), sourcemap: 'linked' }),
      ];
    }),
  );
}

export const workerBundle = (name: string) => path.join(OUT, 'worker', `${name}.js`);
export const nodeBundle = (name: string) => path.join(OUT, 'node', `${name}.mjs`);
export const inprocBundle = (name: string) => path.join(OUT, 'inproc', `${name}.mjs`);
