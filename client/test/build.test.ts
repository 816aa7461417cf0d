// The built package (npm run build:client, here into a temp dir): self-contained ESM with .d.ts and
// an `exports` map an app can depend on; zod only behind @loglane/client/validate; one operation
// tree-shakes without the rest of the table or the plugins it does not use.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/lib.ts';
import { buildClient } from '../build.ts';
import { failure, health, ok, type Stub, startStub, user } from './stub.ts';

let dir: string;
let pkg: string;
let app: string;
let stub: Stub;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'loglane-client-'));
  // An app that depends on the package (built straight into its node_modules) and on zod.
  app = path.join(dir, 'app');
  pkg = await buildClient(path.join(app, 'node_modules', '@loglane', 'client'));
  symlinkSync(path.join(ROOT, 'node_modules', 'zod'), path.join(app, 'node_modules', 'zod'), 'dir');
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  stub = await startStub((req) => {
    if (req.path === '/v1/health') return ok(health);
    if (req.path === '/v1/me') return ok({ ...user, extra: true }); // not in the contract
    return failure(500, 'INTERNAL_ERROR', 'Internal server error');
  });
}, 120_000);

afterAll(async () => {
  await stub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Type errors of an app file that imports the package (Node ESM resolution, DOM types, strict). */
function typeErrors(source: string): string[] {
  const program = ts.createProgram([source], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** The files an ESM module pulls in through relative imports (itself included). */
function moduleGraph(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  for (const match of readFileSync(entry, 'utf8').matchAll(/(?:from|import)\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    moduleGraph(path.resolve(path.dirname(entry), match[1]), seen);
  }
  return seen;
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run build:client', () => {
  it('writes a package.json whose exports point at built files', () => {
    const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: '@loglane/client', type: 'module', sideEffects: false });
    expect(manifest.peerDependenciesMeta.zod.optional).toBe(true);
    // Only the pino transport has a runtime dependency (pino loads transports as modules of their own).
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['pino-abstract-transport']);
    for (const [subpath, target] of Object.entries<{ types: string; default: string } | string>(manifest.exports)) {
      const files = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const file of files) expect(existsSync(path.join(pkg, file)), `${subpath} → ${file}`).toBe(true);
    }
  });

  it('is self-contained, and only the validate entry imports zod', () => {
    const bare = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*["']([^."'][^"']*)["']/g)].map((m) => m[1]);
    const main = [...moduleGraph(path.join(pkg, 'index.js')), ...moduleGraph(path.join(pkg, 'operations.js'))];
    expect(main.flatMap(bare)).toEqual([]);
    expect([...moduleGraph(path.join(pkg, 'validate.js'))].flatMap(bare)).toEqual(['zod']);
  });

  it('imports as built ESM and calls an operation against the stub', async () => {
    const built = await import(pathToFileURL(path.join(pkg, 'index.js')).href);
    const client = built.createLoglaneClient({ baseUrl: stub.url });
    const result = await client.getHealth();
    expect(result.error).toBeUndefined();
    expect(result.data).toEqual(health);
    const failed = await client.queryLogs();
    expect(built.isLoglaneError(failed.error, 'INTERNAL_ERROR')).toBe(true);
  });

  it('works from an app that depends on it, through its exports (validate entry included)', async () => {
    writeFileSync(
      path.join(app, 'main.mjs'),
      `import { createLoglaneClient, createLoglaneCore } from '@loglane/client';
import { createLoglaneClient as createValidating } from '@loglane/client/validate';
import { getHealth } from '@loglane/client/operations';
const baseUrl = process.env.LOGLANE_URL;
const plain = await createLoglaneClient({ baseUrl }).getMe();
const checked = await createValidating({ baseUrl }).getMe();
const single = await createLoglaneCore({ baseUrl }).call(getHealth);
console.log(JSON.stringify({ plain: plain.error?.kind ?? 'ok', checked: checked.error?.violation, health: single.data?.status }));
`,
    );
    const { code, stdout, stderr } = await run(process.execPath, ['main.mjs'], app, { LOGLANE_URL: stub.url });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ plain: 'ok', checked: 'schema-mismatch', health: 'ok' });
  });

  it('ships .d.ts that type-check in an app using Node ESM resolution', () => {
    const source = path.join(app, 'app.ts');
    writeFileSync(
      source,
      `import { createLoglaneClient, isLoglaneError, type LoglaneErrorCode, type Workspace } from '@loglane/client';
import { createLoglaneClient as createValidating } from '@loglane/client/validate';
import { createLoglaneCore, refreshExpiredSessions, retryRateLimited } from '@loglane/client';
import { login } from '@loglane/client/operations';
const core = createLoglaneCore({ baseUrl: 'http://127.0.0.1:8787', use: [retryRateLimited({ maxRetries: 1 }), refreshExpiredSessions()] });
void core.call(login, { body: { email: 'a@b.c', password: 'x' } });
const client = createLoglaneClient({ baseUrl: 'http://127.0.0.1:8787', apiKey: 'sk_1' });
const result = await client.createWorkspace({ body: { name: 'Acme', slug: 'acme' } });
if (!result.error) { const workspace: Workspace = result.data; void workspace; }
if (isLoglaneError(result.error, 'VALIDATION_ERROR')) { const status: 400 | 409 = result.error.status; void status; }
const code: LoglaneErrorCode<'getHealth'> = 'INTERNAL_ERROR';
// @ts-expect-error getHealth cannot answer NOT_FOUND
const wrong: LoglaneErrorCode<'getHealth'> = 'NOT_FOUND';
// @ts-expect-error password is required
void client.login({ body: { email: 'a@b.c' } });
void client.call(login, { body: { email: 'a@b.c', password: 'x' } });
void createValidating({ baseUrl: 'x', validateResponses: true });
void code; void wrong;
`,
    );
    expect(typeErrors(source)).toEqual([]);
  });

  it('has one README with the main README: its example is shown there word for word, and type-checks', () => {
    const readme = readFileSync(path.join(pkg, 'README.md'), 'utf8');
    expect(readme).toBe(readFileSync(path.join(ROOT, 'client', 'README.md'), 'utf8'));
    const example = /```ts\n([\s\S]+?)```/.exec(readme)![1];
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(example);
    const source = path.join(app, 'readme-example.ts');
    writeFileSync(source, example);
    expect(typeErrors(source)).toEqual([]);
  });

  it('tree-shakes to one operation without the operation table, the plugins or zod', async () => {
    const bundle = async (code: string) => {
      const result = await build({
        stdin: { contents: code, resolveDir: app, loader: 'js' },
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'neutral',
        write: false,
        logLevel: 'silent',
      });
      return result.outputFiles[0].text;
    };
    const one = await bundle(
      `import { createLoglaneCore } from '@loglane/client'; import { ingestLogs } from '@loglane/client/operations';
       export const send = (apiKey, body) => createLoglaneCore({ baseUrl: 'https://api', apiKey }).call(ingestLogs, { body });`,
    );
    const all = await bundle(
      `import { createLoglaneClient } from '@loglane/client'; export const c = createLoglaneClient({ baseUrl: 'https://api' });`,
    );
    console.log(`one operation: ${one.length} bytes minified; the whole client: ${all.length} bytes`);
    expect(one).toContain('/v1/logs');
    expect(one).not.toContain('/v1/workspaces');
    expect(one).not.toMatch(/zod/i);
    // The plugins stay out unless used.
    expect(one).not.toContain('/v1/auth/refresh');
    expect(one).not.toContain('setTimeout');
    expect(all).toContain('/v1/workspaces/{workspaceId}/projects/{projectId}/api-keys/{keyId}');
    expect(one.length).toBeLessThan(6_000);
  });
});
