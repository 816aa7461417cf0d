// Client cost: one operation (createProject), tree-shaken and minified with the same esbuild
// options, for openapi-fetch (the baseline) and the client package's
// core: alone (what an app importing createLoglaneCore and one descriptor ships: builds the request,
// sends it, parses the JSON, returns { data, error } with typed errors), and with the 429 retry and
// session refresh plugins that createLoglaneClient wires in (for information).

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { OUT, ROOT } from './lib/build';

const CREATE_PROJECT = `{ path: { workspaceId: 'ws_x' }, body: { name: 'n', slug: 'sss' } }`;

const ENTRIES: Record<string, string> = {
  'openapi-fetch': `import createClient from 'openapi-fetch';
const client = createClient({ baseUrl: 'http://127.0.0.1:8787' });
export const run = () => client.POST('/v1/workspaces/{workspaceId}/projects', { params: { path: { workspaceId: 'ws_x' } }, body: { name: 'n', slug: 'sss' } });`,
  'client core': `import { createLoglaneCore } from '${ROOT}/client/src/core.ts';
import { createProject } from '${ROOT}/generated/client-operations.ts';
const core = createLoglaneCore({ baseUrl: 'http://127.0.0.1:8787' });
export const run = () => core.call(createProject, ${CREATE_PROJECT});`,
  'client core + retry + refresh': `import { createLoglaneCore } from '${ROOT}/client/src/core.ts';
import { retryRateLimited } from '${ROOT}/client/src/retry.ts';
import { refreshExpiredSessions } from '${ROOT}/client/src/refresh.ts';
import { createProject } from '${ROOT}/generated/client-operations.ts';
const core = createLoglaneCore({ baseUrl: 'http://127.0.0.1:8787', use: [retryRateLimited(), refreshExpiredSessions()] });
export const run = () => core.call(createProject, ${CREATE_PROJECT});`,
};

export type ClientResult = Record<string, { minifiedKiB?: number; gzipKiB?: number; gzipVsOpenapiFetch?: number; error?: string }>;

export async function runClient(): Promise<ClientResult> {
  const dir = path.join(OUT, 'client');
  mkdirSync(dir, { recursive: true });
  const sizes: Record<string, { min: number; gz: number } | { error: string }> = {};
  for (const [name, source] of Object.entries(ENTRIES)) {
    const entry = path.join(dir, `${name.replace(/\W+/g, '-')}.ts`);
    writeFileSync(entry, source);
    try {
      const r = await build({
        entryPoints: [entry],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        minify: true,
        treeShaking: true,
        write: false,
        logLevel: 'silent',
        absWorkingDir: ROOT,
        nodePaths: [path.join(ROOT, 'node_modules')],
      });
      const code = r.outputFiles[0].contents;
      sizes[name] = { min: code.length / 1024, gz: gzipSync(code, { level: 9 }).length / 1024 };
    } catch (e) {
      sizes[name] = { error: String(e).split('\n').slice(0, 3).join(' ') };
    }
  }
  const base = sizes['openapi-fetch'] as { gz: number };
  return Object.fromEntries(
    Object.entries(sizes).map(([name, s]) => [
      name,
      'error' in s
        ? { error: s.error }
        : {
            minifiedKiB: Number(s.min.toFixed(1)),
            gzipKiB: Number(s.gz.toFixed(1)),
            gzipVsOpenapiFetch: Number((s.gz / base.gz).toFixed(2)),
          },
    ]),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runClient());
