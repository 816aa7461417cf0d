// Bundle size (minified + gzipped, the same esbuild options for every contender) and Node import
// time of the bundle (a cold-start proxy: a fresh `node` per sample, contenders alternating).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { nodeBundle, workerBundle } from './lib/build';
import { type Spread, spread } from './lib/stats';

export const SIZE_CONTENDERS = ['bare', 'starter', 'chanfana', 'loglane', 'loglane-full-package'];

export type SizeResult = Record<
  string,
  { minifiedKiB: number; gzipKiB: number; gzipVsChanfana: number; importMs: Spread; importVsChanfana: Spread }
>;

function importMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t))`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

export function runSize(samples = 11): SizeResult {
  const sizes = Object.fromEntries(
    SIZE_CONTENDERS.map((name) => {
      const code = readFileSync(workerBundle(name));
      return [name, { minified: code.length / 1024, gzip: gzipSync(code, { level: 9 }).length / 1024 }];
    }),
  );
  const times: Record<string, number[]> = Object.fromEntries(SIZE_CONTENDERS.map((n) => [n, []]));
  for (const name of SIZE_CONTENDERS) importMs(nodeBundle(name)); // warm the file cache
  for (let i = 0; i < samples; i++) {
    for (let j = 0; j < SIZE_CONTENDERS.length; j++) {
      const name = SIZE_CONTENDERS[(i + j) % SIZE_CONTENDERS.length];
      times[name].push(importMs(nodeBundle(name)));
    }
  }
  const out: SizeResult = {};
  for (const name of SIZE_CONTENDERS) {
    out[name] = {
      minifiedKiB: Number(sizes[name].minified.toFixed(1)),
      gzipKiB: Number(sizes[name].gzip.toFixed(1)),
      gzipVsChanfana: Number((sizes[name].gzip / sizes.chanfana.gzip).toFixed(3)),
      importMs: spread(times[name]),
      importVsChanfana: spread(times[name].map((t, i) => t / times.chanfana[i])),
    };
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(runSize(5));
