// The `cycles` step of `npm run check`: no import cycle anywhere in src/ (dpdm walks every file's
// imports, type-only ones included, since those tie modules together as tightly for a reader).

import path from 'node:path';
import { parseCircular, parseDependencyTree } from 'dpdm';
import { ROOT } from './lib.ts';

/** The import cycles among the TypeScript files under `dir`, each as the files it passes through. */
async function importCycles(dir = path.join(ROOT, 'src')): Promise<string[][]> {
  // Only files under `dir`: packages and generated/ cannot close a cycle through src/.
  const tree = await parseDependencyTree('**/*.ts', {
    cwd: dir,
    context: dir,
    include: new RegExp(`^${dir.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    transform: false,
  });
  return parseCircular(tree);
}

export async function checkImportCycles(dir?: string): Promise<string> {
  const cycles = await importCycles(dir);
  if (cycles.length) throw new Error(`import cycles in src/:\n  ${cycles.map((cycle) => [...cycle, cycle[0]].join(' → ')).join('\n  ')}`);
  return 'no import cycle in src/';
}
