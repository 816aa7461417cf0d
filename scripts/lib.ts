// Helpers shared by the generate and check scripts.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

/** Runs a project tool quietly; its output is shown only when it fails. */
export function run(tool: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  try {
    return execFileSync(BIN(tool), args, {
      cwd: options.cwd ?? ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', ...options.env },
    });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    throw new Error(`${tool} ${args.join(' ')} failed:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}

export const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
export const toJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
  });
}

/** Differences between two generated trees, as file names. */
export function staleFiles(expectedDir: string, actualDir: string): string[] {
  const expected = listFiles(expectedDir);
  const actual = new Set(listFiles(actualDir));
  const stale = expected.filter((file) => !actual.has(file) || !readFileSync(path.join(expectedDir, file)).equals(readFileSync(path.join(actualDir, file))));
  const extra = [...actual].filter((file) => !expected.includes(file));
  return [...stale, ...extra].sort();
}

/**
 * Fails when worker-configuration.d.ts is stale against the project's wrangler.jsonc. `wrangler
 * types --check` reads a developer's .dev.vars whatever --env-file says, so it runs in a scratch
 * copy whose .dev.vars is the example: the same answer on a fresh clone and on a dev machine.
 */
export function checkWorkerTypes(projectRoot: string): void {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'loglane-types-'));
  try {
    for (const file of ['wrangler.jsonc', '.dev.vars.example', 'worker-configuration.d.ts']) copyFileSync(path.join(projectRoot, file), path.join(scratch, file));
    copyFileSync(path.join(projectRoot, '.dev.vars.example'), path.join(scratch, '.dev.vars'));
    for (const dir of ['src', 'node_modules']) symlinkSync(path.join(projectRoot, dir), path.join(scratch, dir));
    run('wrangler', ['types', '--check', '--strict-vars=false', '--env-file', '.dev.vars.example'], { cwd: scratch });
  } catch (error) {
    throw new Error(`worker-configuration.d.ts is stale against wrangler.jsonc (run npm run types)\n${(error as Error).message}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The node a local `#/…` reference points to (JSON pointer escapes undone). */
export function refTarget(doc: any, ref: string): any {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported, not ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .reduce((node, part) => node?.[decodeURIComponent(part).replaceAll('~1', '/').replaceAll('~0', '~')], doc);
}

/** Follows `$ref`s from `node` until it is not one; undefined where a reference leads nowhere. */
export function resolveRef(doc: any, node: any): any {
  let current = node;
  for (let hops = 0; typeof current?.$ref === 'string'; hops++) {
    if (hops > 16) throw new Error(`$ref cycle at ${node.$ref}`);
    current = refTarget(doc, current.$ref);
  }
  return current;
}
