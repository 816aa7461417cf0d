// npm run check: fails when code and contract disagree, or the contract breaks its own rules.
// The steps are independent: they run side by side, one per CPU, in this order (runSteps in lib.ts).
// The Node project's tsc is the largest step, so it goes first and keeps a core to itself.
//   tsc …      each TypeScript project type-checks (one per runtime, see tsconfig.json): Node (scripts,
//              tests, bench) first, as the largest; the Worker, the client and its tests as steps of their own
//   generated  generated/ equals a fresh `npm run generate` (regenerated into a temp dir)
//   owasp      Spectral's OWASP API Security rules on the public bundle (.spectral.yaml, scripts/owasp.ts)
//   lint       redocly lint (recommended rules + Loglane's, see redocly.yaml)
//   types      worker-configuration.d.ts equals a fresh `wrangler types`
//   drift      the Worker's routes equal the contract (pending operations listed, not failed)
//   cycles     no import cycle in src/ (scripts/cycles.ts)
//   breaking   no breaking change against openapi/released/openapi.json without a major bump (scripts/breaking.ts)
//   biome      Biome (biome.jsonc): formatting, import order and lint rules (npm run format fixes the first two)
//   knip       no unused files, exports or dependencies, no unlisted ones (knip.jsonc)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkBreaking } from './breaking.ts';
import { checkImportCycles } from './cycles.ts';
import { driftReport } from './drift.ts';
import { checkWorkerTypes, ROOT, runAsync, runSteps, type Step, staleFiles } from './lib.ts';
import { owaspLint } from './owasp.ts';

/** A step that passes when the tool exits 0 (its output is shown only when it fails). */
const toolPasses = (tool: string, args: string[]) => async () => {
  await runAsync(tool, args);
};

const typeChecks = (project: string) => ({ name: `tsc ${project}`, run: toolPasses('tsc', ['-p', project]) });

const steps: Step[] = [
  typeChecks('.'),
  {
    name: 'generated',
    run: async () => {
      const fresh = mkdtempSync(path.join(os.tmpdir(), 'loglane-generated-'));
      try {
        await runAsync('tsx', ['scripts/generate.ts', '--out', fresh]);
        const stale = staleFiles(fresh, path.join(ROOT, 'generated'));
        if (stale.length) throw new Error(`generated/ is stale against openapi/ (run npm run generate): ${stale.join(', ')}`);
      } finally {
        rmSync(fresh, { recursive: true, force: true });
      }
    },
  },
  { name: 'owasp', run: () => owaspLint() },
  { name: 'lint', run: toolPasses('redocly', ['lint', '--format=summary']) },
  { name: 'types', run: () => checkWorkerTypes(ROOT) },
  {
    name: 'drift',
    run: async () => {
      const report = await driftReport();
      if (report.problems.length) throw new Error(`the Worker and the contract differ:\n  ${report.problems.join('\n  ')}`);
      return `${report.implemented.length} operations match the contract; pending (${report.pending.length}): ${report.pending.join(', ') || 'none'}`;
    },
  },
  { name: 'cycles', run: () => checkImportCycles() },
  { name: 'breaking', run: async () => checkBreaking() },
  typeChecks('src'),
  typeChecks('client'),
  typeChecks('client/test'),
  // Until the one-time `npm run format` of the whole tree, lint only: then drop both flags.
  { name: 'biome', run: toolPasses('biome', ['ci']) },
  { name: 'knip', run: toolPasses('knip', []) },
];

const outcomes = await runSteps(steps);
for (const { passed, line } of outcomes) (passed ? console.log : console.error)(line);
const failed = outcomes.filter((outcome) => !outcome.passed).length;
if (failed) {
  console.error(`npm run check: ${failed} of ${steps.length} checks failed`);
  process.exit(1);
}
