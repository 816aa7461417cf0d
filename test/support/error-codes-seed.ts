// Locates the product's binding error reference, shared/product/error-codes.seed.txt, for
// test/error-codes.seed.test.ts. It is not in the repository: CI puts `shared/` beside the clone, so
// it is `../shared` from the repository root (from a git worktree: beside the main clone).
// Runs in Node (vitest.config.ts), which hands the text to the workerd tests as a binding.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SEED = path.join('shared', 'product', 'error-codes.seed.txt');

export type ErrorCodesSeed = { path: string; text: string } | { missing: string[] };

function mainCloneRoot(root: string): string | undefined {
  try {
    const commonDir = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    return path.dirname(commonDir);
  } catch {
    return undefined; // not a git checkout
  }
}

/** The seed's text, or every place it was looked for (the test then fails saying so). */
export function readErrorCodesSeed(root: string): ErrorCodesSeed {
  const candidates = [
    ...new Set([root, mainCloneRoot(root)].filter((dir): dir is string => !!dir).map((dir) => path.resolve(dir, '..', SEED))),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  return found ? { path: found, text: readFileSync(found, 'utf8') } : { missing: candidates };
}
