const median = (xs: number[]) => quantile(xs, 0.5);
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
export type Spread = { median: number; min: number; max: number; n: number };
export const spread = (xs: number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length });
export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
export const fmtSpread = (s: Spread | undefined, digits = 2, unit = '') =>
  s ? `${round(s.median, digits)}${unit} (${round(s.min, digits)}–${round(s.max, digits)})` : 'n/a';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
