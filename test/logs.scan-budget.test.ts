// One GET /v1/logs looks at no more than SCAN_BUDGET stored entries: a rarely matching filter
// answers short (even empty) pages with a cursor, and following the cursors still finds every
// match exactly once, in order. Two layouts: entries sent in time order (blocks follow each other)
// and sent interleaved (every block spans the whole hour, so blocks overlap in time).
import { beforeAll, describe, expect, it } from 'vitest';
import { SCAN_BUDGET } from '../src/services/log-query';
import { ingestAndStore, logPages } from './logs.support';
import { createTenant, type Tenant } from './support/tenancy';

const HOUR = 60 * 60 * 1000;
const base = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
const COUNT = SCAN_BUDGET + 2_500;
const SENDS = 13;
const at = (i: number) => new Date(base + Math.floor((i * 2 * HOUR) / COUNT)).toISOString();

// Every block holds needles (every 50th entry: the word in the message, tier gold) and warnings
// (every 100th, 7 further on), so block metadata cannot rule a block out; only RARE entries are
// both, so only they match `level=warn` with a needle or tier gold. RARE holds a few entries far
// apart and the first and last entry of every block (a sent slice, split by hour) of both layouts:
// where a walk stops at its budget, the next block's edge is a match, and a resume position one
// millisecond off loses or repeats it.
const HOUR_STARTS_AT = Array.from({ length: COUNT }, (_, i) => i).find((i) => at(i).slice(0, 13) !== at(0).slice(0, 13))!;
const SLICE = Math.ceil(COUNT / SENDS);
const hourOf = (i: number) => (i < HOUR_STARTS_AT ? 0 : 1);
const blockEdges = (blockOf: (i: number) => string) => {
  const edges = new Map<string, [number, number]>();
  for (let i = 0; i < COUNT; i++) {
    const [first] = edges.get(blockOf(i)) ?? [i];
    edges.set(blockOf(i), [first, i]);
  }
  return [...edges.values()].flat();
};
const RARE = [
  ...new Set([
    40,
    3_000,
    6_100,
    9_950,
    COUNT - 30,
    ...blockEdges((i) => `${Math.floor(i / SLICE)}/${hourOf(i)}`),
    ...blockEdges((i) => `${i % SENDS}/${hourOf(i)}`),
  ]),
];
const needle = (i: number) => RARE.includes(i) || i % 50 === 0;
const entryAt = (i: number) => ({
  level: RARE.includes(i) || i % 100 === 7 ? 'warn' : 'info',
  message: needle(i) ? `needle ${i} found` : `request ${i} served`,
  timestamp: at(i),
  attributes: { tier: needle(i) ? 'gold' : 'free' },
});

// Sent last, one block: a match at the very start of the second hour and one at the newest time.
// Oldest first, this block comes after every other (by its newest entry), so a walk that stops
// before it resumes at the hour's start and must still find the first one.
const LATE = [new Date(base + HOUR).toISOString(), at(COUNT - 1)].map((timestamp, k) => ({
  level: 'warn',
  message: `needle late ${k} found`,
  timestamp,
  attributes: { tier: 'gold' },
}));

let inOrder: Tenant;
let interleaved: Tenant;
beforeAll(async () => {
  [inOrder, interleaved] = await Promise.all([createTenant(), createTenant()]);
  const indexes = Array.from({ length: COUNT }, (_, i) => i);
  for (let send = 0; send < SENDS; send++) {
    await ingestAndStore(inOrder.key.secret, { entries: indexes.slice(send * SLICE, (send + 1) * SLICE).map(entryAt) });
    await ingestAndStore(interleaved.key.secret, { entries: indexes.filter((i) => i % SENDS === send).map(entryAt) });
  }
  for (const tenant of [inOrder, interleaved]) await ingestAndStore(tenant.key.secret, { entries: LATE });
}, 300_000);

/** Every page of a query: its entries' timestamps and its cursor. */
const pages = async (tenant: Tenant, query: string) =>
  (await logPages(tenant.key.secret, query)).map((res) => ({
    entries: res.body.data.entries.map((entry: { timestamp: string }) => entry.timestamp) as string[],
    nextCursor: res.body.meta.nextCursor as string | undefined,
  }));

const newestFirst = (indexes: number[]) => indexes.map(at).sort().reverse();

for (const [layout, tenant] of [
  ['sent in time order', () => inOrder],
  ['sent interleaved', () => interleaved],
] as const) {
  describe(`a sparse filter over more than the budget (${layout})`, () => {
    for (const [name, query] of [
      ['text and level, d1, newest first', 'q=NEEDLE&level=warn&limit=100'],
      ['attribute and level, kv, newest first', 'source=kv&attributes[tier]=gold&level=warn&limit=100'],
      ['attribute and level, d1, oldest first', 'attributes[tier]=gold&level=warn&order=asc&limit=100'],
      // Full pages' cursors and the budget's cursors in one walk.
      ['text and level, d1, oldest first, pages of 2', 'q=needle&level=warn&order=asc&limit=2'],
    ] as const) {
      it(`${name}: every match exactly once in order, the budget's short pages included`, async () => {
        const walked = await pages(tenant(), query);
        const found = walked.flatMap((page) => page.entries);
        const expected = [...newestFirst(RARE), ...LATE.map((entry) => entry.timestamp)].sort().reverse();
        expect(found).toEqual(query.includes('order=asc') ? expected.reverse() : expected);
        const limit = Number(new URLSearchParams(query).get('limit'));
        // All matches fit a page of 100: a shorter one with a cursor means the scan stopped at its budget.
        if (limit === 100) expect(walked.some((page) => page.entries.length < limit && page.nextCursor !== undefined)).toBe(true);
        expect(walked.at(-1)!.nextCursor).toBeUndefined();
      });
    }

    it('a filter that matches nothing pages on with empty pages to the end', async () => {
      const walked = await pages(tenant(), 'q=served&attributes[tier]=gold');
      expect(walked.flatMap((page) => page.entries)).toEqual([]);
      expect(walked.length).toBeGreaterThan(1);
    });

    it('a dense query still gets full pages', async () => {
      const walked = await pages(tenant(), 'limit=1000');
      expect(walked.slice(0, -1).every((page) => page.entries.length === 1000)).toBe(true);
      const all = [...newestFirst(Array.from({ length: COUNT }, (_, i) => i)), ...LATE.map((entry) => entry.timestamp)];
      expect(walked.flatMap((page) => page.entries)).toEqual(all.sort().reverse());
    });
  });
}
