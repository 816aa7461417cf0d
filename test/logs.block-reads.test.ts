// Reads over many blocks (D1) and buckets (KV): blocks and buckets are kept
// decoded per isolate, yet every page is exact. Entries span several blocks (two hours, more than
// 1,000 an hour, several ingests), rare entries are the only matches, and each walk is repeated
// (the second one from the isolate's cache) and again after new blocks arrive.
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestAndStore, logPages } from './logs.support';
import { createTenant, type Tenant } from './support/tenancy';

const HOUR = 60 * 60 * 1000;
const base = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
const COUNT = 2_600;
const at = (i: number) => new Date(base + Math.floor((i * 2 * HOUR) / COUNT)).toISOString();

// Rare entries whose matching depends on how JSON writes them: a number and a string that match the
// same attribute filter, quotes and backslashes, a character whose lowercase is ASCII (the Kelvin
// sign), a service with a quote.
const RARE: Record<number, { message?: string; service?: string; attributes?: Record<string, string | number | boolean> }> = {
  97: { attributes: { status: 503 } },
  480: { attributes: { status: '503' } },
  1210: { message: 'said "hi" to C:\\temp' },
  1729: { message: 'measured in \u212Aelvin' },
  2004: { service: 'svc"q', attributes: { 'odd"key': 'a"b' } },
  2555: { attributes: { status: 503, flag: true } },
};
const entryAt = (i: number) => ({
  level: i % 7 === 0 ? 'error' : 'info',
  message: RARE[i]?.message ?? `request ${i} served`,
  timestamp: at(i),
  service: RARE[i]?.service ?? 'api',
  attributes: RARE[i]?.attributes ?? { status: 200 },
});

let t: Tenant;
let other: Tenant;
beforeAll(async () => {
  [t, other] = await Promise.all([createTenant(), createTenant()]);
  for (let from = 0; from < COUNT; from += 1000) {
    const entries = Array.from({ length: Math.min(1000, COUNT - from) }, (_, k) => entryAt(from + k));
    await ingestAndStore(t.key.secret, { entries });
    // The same entries in another project on whatever shard: never part of t's pages.
    await ingestAndStore(other.key.secret, { entries });
  }
}, 120_000);

/** Every page of a filter, followed with the cursor: the entry numbers (message or position). */
async function walk(tenant: Tenant, filter: string, limit = 3): Promise<string[]> {
  const entries = (await logPages(tenant.key.secret, `${filter}&limit=${limit}`)).flatMap((page) => page.body.data.entries);
  expect(entries.every((entry: any) => entry.projectId === tenant.project.id)).toBe(true);
  return entries.map((entry: any) => entry.timestamp);
}
const newestFirst = (indexes: number[]) => indexes.map(at).sort().reverse();

const cases: [string, number[]][] = [
  ['attributes[status]=503', [97, 480, 2555]],
  ['attributes[flag]=true', [2555]],
  ['attributes[status]=503&attributes[flag]=true', [2555]],
  [`attributes[${encodeURIComponent('odd"key')}]=${encodeURIComponent('a"b')}`, [2004]],
  [`service=${encodeURIComponent('svc"q')}`, [2004]],
  [`q=${encodeURIComponent('"HI" TO c:\\')}`, [1210]],
  ['q=KELVIN', [1729]],
  ['q=measured&level=error', [1729]],
  ['level=error&attributes[status]=503', [97, 480, 2555].filter((i) => i % 7 === 0)],
];

describe('selective filters over many blocks (d1)', () => {
  for (const [filter, expected] of cases) {
    it(`${filter}: exactly its entries, both orders, again from the cache`, async () => {
      for (let round = 0; round < 2; round++) {
        expect(await walk(t, `${filter}&source=d1`)).toEqual(newestFirst(expected));
        expect(await walk(t, `${filter}&source=d1&order=asc`)).toEqual(newestFirst(expected).reverse());
      }
    });
  }

  it('an unfiltered walk returns every entry once, in order, across cached and new blocks', async () => {
    const all = Array.from({ length: COUNT }, (_, i) => i);
    expect(await walk(t, 'source=d1', 500)).toEqual(newestFirst(all));
    // New blocks in hours the cache has seen: the next walks include them.
    const later = Array.from({ length: 10 }, (_, k) => ({ ...entryAt(k), message: `late ${k}`, attributes: { status: 503 } }));
    await ingestAndStore(t.key.secret, { entries: later });
    expect(await walk(t, 'source=d1', 500)).toEqual([...newestFirst(all), ...later.map((e) => e.timestamp)].sort().reverse());
    expect(await walk(t, 'attributes[status]=503&source=d1')).toEqual(
      [...newestFirst([97, 480, 2555]), ...later.map((e) => e.timestamp)].sort().reverse(),
    );
  });
});

describe('selective filters over many buckets (kv, which has no text search)', () => {
  // The d1 walks above are checked against the entries themselves; kv must answer the same pages.
  for (const [filter, expected] of cases.filter(([filter]) => !/(^|&)q=/.test(filter))) {
    it(`${filter}: the same entries as d1, both orders, again from the cache`, async () => {
      for (let round = 0; round < 2; round++) {
        for (const order of ['desc', 'asc']) {
          const fromKv = await walk(t, `${filter}&source=kv&order=${order}`);
          expect(fromKv).toEqual(await walk(t, `${filter}&source=d1&order=${order}`));
          expect(fromKv).toEqual(expect.arrayContaining(expected.map(at)));
        }
      }
    });
  }

  it('an unfiltered walk agrees with d1, across cached and new buckets', async () => {
    expect(await walk(t, 'source=kv', 500)).toEqual(await walk(t, 'source=d1', 500));
    const later = Array.from({ length: 10 }, (_, k) => ({ ...entryAt(k + 5), message: `later ${k}` }));
    await ingestAndStore(t.key.secret, { entries: later });
    const afterwards = await walk(t, 'source=kv', 500);
    expect(afterwards).toEqual(await walk(t, 'source=d1', 500));
    expect(afterwards).toEqual(expect.arrayContaining(later.map((entry) => entry.timestamp)));
  });
});
