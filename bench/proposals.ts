// The measured effect of proposed src/ changes (bench/proposals/*.patch), without touching src/:
// the tree is copied to a temp dir, the patches applied there, and the patched Worker measured
// against the current one in the same process and session (in-process and workerd).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildProposed, OUT, ROOT, workerBundle } from './lib/build';
import { runQuery } from './query';
import { runWorkerd } from './workerd';

export async function runProposals(opts: { quick: boolean; log: (s: string) => void }) {
  const dir = path.join(ROOT, 'bench/proposals');
  const patches = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.patch'))
        .sort()
    : [];
  if (patches.length === 0) return { patches: {}, note: 'no proposals in bench/proposals/' };
  const copy = mkdtempSync(path.join(os.tmpdir(), 'loglane-proposed-'));
  try {
    for (const item of ['src', 'generated', 'migrations', 'wrangler.jsonc', 'package.json', 'tsconfig.json', 'worker-configuration.d.ts'])
      cpSync(path.join(ROOT, item), path.join(copy, item), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    const applied: Record<string, string> = {};
    for (const patch of patches) {
      const r = spawnSync('patch', ['-p1', '-N', '--batch', '-d', copy, '-i', path.join(dir, patch)], { encoding: 'utf8' });
      applied[patch] = r.status === 0 ? 'applied' : `does not apply to the current src/: ${r.stdout.split('\n').slice(-3).join(' ')}`;
      if (r.status !== 0) throw new Error(`${patch} ${applied[patch]}`);
    }
    await buildProposed(copy);
    const out = path.join(OUT, 'proposals-inprocess.json');
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/inprocess.ts',
        '--proposed',
        '--out',
        out,
        '--rounds',
        opts.quick ? '3' : '5',
        '--round-ms',
        opts.quick ? '2000' : '3000',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const inprocess = JSON.parse(readFileSync(out, 'utf8'));
    const workerd = await runWorkerd({
      rounds: 2,
      seconds: opts.quick ? 2 : 3,
      connections: 16,
      log: opts.log,
      proposed: true,
      only: [
        'bare-post',
        'chanfana',
        'loglane-prod',
        'ingest-1',
        'ingest-100',
        'proposed-prod',
        'proposed-ingest-1',
        'proposed-ingest-100',
      ],
    });
    const query = await runQuery({
      sizes: opts.quick ? [10_000, 100_000] : [10_000, 1_000_000],
      samples: opts.quick ? 60 : 100,
      budgetSeconds: 200,
      log: opts.log,
      compareBundle: 'proposed',
    });
    const gz = (name: string) => Number((gzipSync(readFileSync(workerBundle(name)), { level: 9 }).length / 1024).toFixed(1));
    return {
      patches: applied,
      inprocess,
      workerd,
      query,
      bundleGzipKiB: { proposed: gz('proposed'), loglane: gz('loglane'), chanfana: gz('chanfana') },
    };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
