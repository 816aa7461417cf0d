// Wall time of `npm run generate` (into a temp dir: the same work, generated/ untouched) and
// `npm run check`, each next to a same-session baseline: a bare `tsx` start (every script's floor).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './lib/build';

export type ToolingResult = {
  baselineTsxSeconds: number;
  generate: { seconds: number; exitCode: number | null; vsBaseline: number; target: number };
  check: { seconds: number; exitCode: number | null; vsBaseline: number; target: number; stepsMs: Record<string, number>; failed?: string };
};

function timed(cmd: string, args: string[]) {
  const t = performance.now();
  // Without tsx's transform cache, as on the fresh machine CI runs on.
  const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', TSX_DISABLE_CACHE: '1' };
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env });
  return { seconds: (performance.now() - t) / 1000, exitCode: r.status, out: `${r.stdout}${r.stderr}` };
}

export function runTooling(): ToolingResult {
  const baseline = timed('npx', ['tsx', '-e', '0']);
  const out = mkdtempSync(path.join(os.tmpdir(), 'loglane-bench-generate-'));
  let generate;
  try {
    generate = timed('npm', ['run', '-s', 'generate', '--', '--out', out]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const check = timed('npm', ['run', '-s', 'check']);
  const failed =
    check.exitCode === 0
      ? undefined
      : check.out
          .split('\n')
          .filter((l) => l.startsWith('✗'))
          .join(' | ')
          .slice(0, 400);
  const r = (x: number) => Number(x.toFixed(2));
  // check prints "✓ <step> (<ms> ms)" per step; the steps overlap, so their sum exceeds the wall time
  const stepsMs = Object.fromEntries([...check.out.matchAll(/[✓✗] (\w+)(?: \((\d+) ms\))?/g)].map((m) => [m[1], Number(m[2] ?? NaN)]));
  return {
    baselineTsxSeconds: r(baseline.seconds),
    generate: { seconds: r(generate.seconds), exitCode: generate.exitCode, vsBaseline: r(generate.seconds / baseline.seconds), target: 10 },
    check: {
      seconds: r(check.seconds),
      exitCode: check.exitCode,
      vsBaseline: r(check.seconds / baseline.seconds),
      target: 20,
      stepsMs,
      ...(failed ? { failed } : {}),
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(runTooling());
