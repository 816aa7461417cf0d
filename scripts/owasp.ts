// OWASP API Security lint: Spectral with .spectral.yaml (the OWASP ruleset, narrowed and explained
// there) on the public bundle. Every finding, warnings included, fails.
import path from 'node:path';
import { ROOT, runAsync } from './lib.ts';

const SPECTRAL_RULESET = path.join(ROOT, '.spectral.yaml');
export const PUBLIC_BUNDLE = path.join(ROOT, 'generated', 'openapi.json');

/** Lints a bundled contract; rejects with Spectral's findings when there are any. */
export async function owaspLint(bundle: string = PUBLIC_BUNDLE): Promise<string> {
  // The ruleset's per-operation exemptions are JSON pointers into a file named openapi.json.
  if (path.basename(bundle) !== 'openapi.json') throw new Error(`owaspLint lints a file named openapi.json, not ${bundle}`);
  await runAsync('spectral', ['lint', bundle, '--ruleset', SPECTRAL_RULESET, '--fail-severity', 'warn', '--format', 'stylish']);
  return `no findings in ${path.relative(ROOT, bundle) || bundle}`;
}
