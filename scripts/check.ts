// npm run check: fails when code and contract disagree, or the contract breaks its own rules.
//   lint       redocly lint (recommended rules + Loglane's, see redocly.yaml)
//   generated  generated/ equals a fresh `npm run generate` (regenerated into a temp dir)
//   owasp      Spectral's OWASP API Security rules on the public bundle (.spectral.yaml, scripts/owasp.ts)
//   breaking   no breaking change against openapi/released/openapi.json without a major bump (scripts/breaking.ts)
//   types      worker-configuration.d.ts equals a fresh `wrangler types`
//   drift      the Worker's routes equal the contract (pending operations listed, not failed)
//   tsc        the whole project type-checks
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkBreaking } from './breaking.ts';
import { driftReport } from './drift.ts';
import { checkWorkerTypes, ROOT, run, staleFiles } from './lib.ts';
import { owaspLint } from './owasp.ts';

type Step = { name: string; run: () => Promise<string | void> | string | void };

const steps: Step[] = [
  { name: 'lint', run: () => void run('redocly', ['lint', '--format=summary']) },
  {
    name: 'generated',
    run: () => {
      const fresh = mkdtempSync(path.join(os.tmpdir(), 'loglane-generated-'));
      try {
        run('tsx', ['scripts/generate.ts', '--out', fresh]);
        const stale = staleFiles(fresh, path.join(ROOT, 'generated'));
        if (stale.length) throw new Error(`generated/ is stale against openapi/ (run npm run generate): ${stale.join(', ')}`);
      } finally {
        rmSync(fresh, { recursive: true, force: true });
      }
    },
  },
  { name: 'owasp', run: () => owaspLint() },
  { name: 'breaking', run: () => checkBreaking() },
  { name: 'types', run: () => checkWorkerTypes(ROOT) },
  {
    name: 'drift',
    run: async () => {
      const report = await driftReport();
      if (report.problems.length) throw new Error(`the Worker and the contract differ:\n  ${report.problems.join('\n  ')}`);
      return `${report.implemented.length} operations match the contract; pending (${report.pending.length}): ${report.pending.join(', ') || 'none'}`;
    },
  },
  { name: 'tsc', run: () => void run('tsc', ['--noEmit', '-p', '.']) },
];

let failed = 0;
for (const step of steps) {
  const started = performance.now();
  try {
    const note = await step.run();
    console.log(`✓ ${step.name} (${Math.round(performance.now() - started)} ms)${note ? `: ${note}` : ''}`);
  } catch (error) {
    failed++;
    console.error(`✗ ${step.name}: ${error instanceof Error ? error.message : error}`);
  }
}
if (failed) {
  console.error(`npm run check: ${failed} of ${steps.length} checks failed`);
  process.exit(1);
}
