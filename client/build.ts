// npm run build:client [-- --out DIR]: the publishable @loglane/client package (default client-dist/),
// from client/src, with client/package.json as its manifest (version, engines and dependency versions
// filled in from the root package.json, so each is stated once).
//   index.js        createLoglaneClient, createLoglaneCore and its plugins (retryRateLimited,
//                   refreshExpiredSessions), isLoglaneError, LoglaneError (no zod)
//   operations.js   one descriptor per operation, for createLoglaneCore(...).call(op, ...)
//   validate.js     createLoglaneClient with validateResponses: true (zod, a peer dependency)
//   pino.js         the pino transport over createLogShipper (Node; pino-abstract-transport, a dependency)
//   chunks/         code the entries share (esbuild code splitting, so nothing is duplicated)
//   types/          .d.ts files (tsc), including the contract types they refer to
// Generated code (operation descriptors, types, zod schemas) is bundled: the package needs nothing
// from this repository at run time.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';

const CLIENT = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(CLIENT, '..');
const ENTRIES = {
  index: 'client/src/index.ts',
  operations: 'client/src/operations.ts',
  validate: 'client/src/validate.ts',
  pino: 'client/src/pino.ts',
} as const;

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** Emits .d.ts for the entries and keeps only the files their imports reach. */
function emitDeclarations(typesDir: string): void {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    // A consumer may use the DOM or Node's types: check against the DOM, without Node or Workers.
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: [],
    strict: true,
    skipLibCheck: true,
    declaration: true,
    emitDeclarationOnly: true,
    allowImportingTsExtensions: true,
    isolatedModules: true,
    rootDir: ROOT,
    outDir: typesDir,
  };
  const program = ts.createProgram(
    Object.values(ENTRIES).map((file) => path.join(ROOT, file)),
    options,
  );
  const written = new Map<string, string>();
  const result = program.emit(undefined, (file, text) => written.set(path.resolve(file), text));
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length) {
    const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
    throw new Error(`declarations failed:\n${ts.formatDiagnostics(diagnostics, host)}`);
  }

  const entryTypes = Object.values(ENTRIES).map((file) => path.join(typesDir, file.replace(/\.ts$/, '.d.ts')));
  // Node's ESM resolution (moduleResolution node16/nodenext in a consumer) needs `.js` specifiers.
  const keep = new Map<string, string>();
  const visit = (file: string) => {
    if (keep.has(file)) return;
    const text = written.get(file);
    if (text === undefined) throw new Error(`declaration ${path.relative(typesDir, file)} was not emitted`);
    keep.set(file, text);
    const targets: string[] = [];
    const rewritten = text.replace(
      /((?:from\s+|import\s*\(\s*)['"])(\.{1,2}\/[^'"]+)(['"])/g,
      (_all, before: string, specifier: string, after: string) => {
        let js: string;
        if (/\.[cm]?ts$/.test(specifier)) js = specifier.replace(/\.([cm]?)ts$/, '.$1js');
        else if (/\.[cm]?js$/.test(specifier)) js = specifier;
        else if (written.has(path.resolve(path.dirname(file), `${specifier}.d.ts`))) js = `${specifier}.js`;
        else js = `${specifier}/index.js`;
        targets.push(path.resolve(path.dirname(file), js).replace(/\.([cm]?)js$/, '.d.$1ts'));
        return `${before}${js}${after}`;
      },
    );
    keep.set(file, rewritten);
    targets.forEach(visit);
  };
  entryTypes.forEach(visit);
  for (const [file, text] of keep) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

export async function buildClient(outDir = path.join(ROOT, 'client-dist')): Promise<string> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(ROOT, file)])),
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['zod', 'pino-abstract-transport'],
    chunkNames: 'chunks/[name]-[hash]',
    legalComments: 'none',
    logLevel: 'silent',
  });

  emitDeclarations(path.join(outDir, 'types'));

  const root = readJson(path.join(ROOT, 'package.json'));
  const zodVersion: string = root.dependencies.zod;
  const contract = readJson(path.join(ROOT, 'generated', 'contract-version.json'));
  const template = readJson(path.join(CLIENT, 'package.json'));
  const manifest = {
    ...template,
    version: root.version,
    description: `${template.description} Contract ${contract.version}.`,
    // Only `@loglane/client/pino` imports it (pino loads transports by package name, in a worker thread).
    dependencies: { 'pino-abstract-transport': root.devDependencies['pino-abstract-transport'] },
    // Only `@loglane/client/validate` imports zod.
    peerDependencies: { zod: `^${zodVersion.split('.')[0]}.0.0` },
    engines: root.engines,
    loglane: { contractVersion: contract.version },
  };
  writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // One consumer story: the package's README is client/README.md, whose example the main README shows too.
  copyFileSync(path.join(CLIENT, 'README.md'), path.join(outDir, 'README.md'));
  const targets = Object.values<string | Record<string, string>>(manifest.exports).flatMap((target) =>
    typeof target === 'string' ? [target] : Object.values(target),
  );
  for (const target of targets) {
    if (!existsSync(path.join(outDir, target))) throw new Error(`client/package.json exports ${target}, which was not built`);
  }
  return outDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : undefined;
  buildClient(out)
    .then((dir) => console.log(`built @loglane/client into ${path.relative(process.cwd(), dir) || '.'}`))
    .catch((error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
