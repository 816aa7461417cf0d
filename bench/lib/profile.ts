// Summarises a V8 .cpuprofile (node --cpu-prof): self time by package/source area and by function.
//   node --import tsx bench/lib/profile.ts file.cpuprofile [top]
import { readFileSync } from 'node:fs';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

const area = (url: string) => {
  if (!url) return '(native/vm)';
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node:internal';
  const src = url.match(/\/(src\/[^/]+|generated\/[^/]+|bench\/[^/]+)/);
  return src ? src[1] : url.replace(/^file:\/\//, '');
};

export function summarise(file: string, top = 25) {
  const profile: Profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byArea = new Map<string, number>();
  const byFn = new Map<string, number>();
  for (const [id, t] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    byArea.set(area(url), (byArea.get(area(url)) ?? 0) + t);
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|bench|src)\//, '$1/')}:${lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + t);
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1)}%`;
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => `${pct(t).padStart(6)}  ${k}`);
  return { totalMs: total / 1000, areas: rows(byArea), functions: rows(byFn) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv.find((a) => a.endsWith('.cpuprofile'))!;
  const top = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 25);
  const s = summarise(file, top);
  console.log(
    `total ${s.totalMs.toFixed(0)} ms sampled\n-- by area --\n${s.areas.join('\n')}\n-- by function --\n${s.functions.join('\n')}`,
  );
}
