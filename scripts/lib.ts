// Helpers shared by the generate and check scripts.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

type RunOptions = { cwd?: string; env?: NodeJS.ProcessEnv };

const toolOptions = (options: RunOptions) => ({
  cwd: options.cwd ?? ROOT,
  encoding: 'utf8' as const,
  env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', ...options.env },
});

const toolFailed = (tool: string, args: string[], output: { stdout?: string; stderr?: string }) =>
  new Error(`${tool} ${args.join(' ')} failed:\n${output.stdout ?? ''}${output.stderr ?? ''}`);

/** Runs a project tool quietly; its output is shown only when it fails. */
export function run(tool: string, args: string[], options: RunOptions = {}): string {
  try {
    return execFileSync(BIN(tool), args, { ...toolOptions(options), stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw toolFailed(tool, args, error as { stdout?: string; stderr?: string });
  }
}

/** `run` without blocking, so that several tools can run side by side. */
export function runAsync(tool: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(BIN(tool), args, toolOptions(options), (error, stdout, stderr) => {
      if (error) reject(toolFailed(tool, args, { stdout, stderr }));
      else resolve(stdout);
    });
    // `run` gives tools no stdin; ending it at once does the same for one that reads it.
    child.stdin?.end();
  });
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
  const stale = expected.filter(
    (file) => !actual.has(file) || !readFileSync(path.join(expectedDir, file)).equals(readFileSync(path.join(actualDir, file))),
  );
  const extra = [...actual].filter((file) => !expected.includes(file));
  return [...stale, ...extra].sort();
}

/**
 * Fails when worker-configuration.d.ts is stale against the project's wrangler.jsonc. `wrangler
 * types --check` reads a developer's .dev.vars whatever --env-file says, so it runs in a scratch
 * copy whose .dev.vars is the example: the same answer on a fresh clone and on a dev machine.
 */
export async function checkWorkerTypes(projectRoot: string): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'loglane-types-'));
  try {
    for (const file of ['wrangler.jsonc', '.dev.vars.example', 'worker-configuration.d.ts'])
      copyFileSync(path.join(projectRoot, file), path.join(scratch, file));
    copyFileSync(path.join(projectRoot, '.dev.vars.example'), path.join(scratch, '.dev.vars'));
    for (const dir of ['src', 'node_modules']) symlinkSync(path.join(projectRoot, dir), path.join(scratch, dir));
    await runAsync('wrangler', ['types', '--check', '--strict-vars=false', '--env-file', '.dev.vars.example'], { cwd: scratch });
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

/** A step of `npm run check`: resolves with an optional note, or throws what is wrong. */
// biome-ignore lint/suspicious/noConfusingVoidType: a step returns a note or nothing.
export type Step = { name: string; run: () => Promise<string | void> };
export type Outcome = { passed: boolean; line: string };

async function outcomeOf(step: Step): Promise<Outcome> {
  const started = performance.now();
  const took = () => `${step.name} (${Math.round(performance.now() - started)} ms)`;
  try {
    const note = await step.run();
    return { passed: true, line: `✓ ${took()}${note ? `: ${note}` : ''}` };
  } catch (error) {
    return { passed: false, line: `✗ ${took()}: ${error instanceof Error ? error.message : error}` };
  }
}

/**
 * Starts the steps in list order, at most `lanes` at a time: one per CPU by default, so that a long
 * step keeps its core instead of sharing it (more at once would not end sooner, and the longest
 * would end last). The outcomes are in list order, whatever order the steps end in.
 */
export async function runSteps(steps: Step[], lanes = os.availableParallelism()): Promise<Outcome[]> {
  const waiting = [...steps];
  const outcomes = new Map<Step, Outcome>();
  const lane = async () => {
    for (let step = waiting.shift(); step; step = waiting.shift()) outcomes.set(step, await outcomeOf(step));
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return steps.map((step) => outcomes.get(step)!);
}
