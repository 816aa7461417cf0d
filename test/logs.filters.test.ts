// GET /v1/logs filters (service, attributes), order and strict queries, over HTTP against both
// sources. Behaviour only (exact entries, cursor walks), so any store that serves the contract
// must pass it; every response is checked against the contract.
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestAndStore, logPages } from './logs.support';
import { api, expectError } from './support/http';
import { createTenant, type Tenant } from './support/tenancy';

const HOUR = 60 * 60 * 1000;
const base = Date.now() - 2 * HOUR;
const at = (i: number) => new Date(base + i * 60_000).toISOString();
const fields = (res: { body: any }) => (res.body.error.details as { field: string }[]).map((d) => d.field);

// Entry i: level, service and attributes vary with i so that each filter picks a known subset.
const levels = ['info', 'warn', 'error'] as const;
const services = ['api', 'web', undefined] as const;
const entryAt = (i: number) => ({
  level: levels[i % 3],
  message: `step ${i} of checkout`,
  timestamp: at(i),
  ...(services[i % 4 === 3 ? 2 : i % 2] === undefined ? {} : { service: services[i % 4 === 3 ? 2 : i % 2] }),
  attributes: { region: i < 6 ? 'eu' : 'us', status: i % 2 ? 502 : 200, cached: i % 3 === 0, 'odd"key': `v${i % 2}` },
});
const ENTRIES = Array.from({ length: 12 }, (_, i) => entryAt(i));
/** The indexes of the entries a predicate picks, newest first. */
const picked = (predicate: (entry: (typeof ENTRIES)[number], i: number) => boolean) =>
  ENTRIES.flatMap((entry, i) => (predicate(entry, i) ? [i] : [])).reverse();

let t: Tenant;
let other: Tenant;
beforeAll(async () => {
  [t, other] = await Promise.all([createTenant(), createTenant()]);
  await ingestAndStore(t.key.secret, { entries: ENTRIES });
  // Another project with entries every filter below would match: none may ever appear.
  await ingestAndStore(other.key.secret, { entries: ENTRIES.map((entry) => ({ ...entry, message: `other ${entry.message}` })) });
});

const get = (query: string) => api.get(`/v1/logs?${query}`, { token: t.key.secret });
const indexes = (res: { status: number; body: any }) => {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.entries.map((entry: any) => Number(entry.message.split(' ')[1]));
};

for (const source of ['d1', 'kv']) {
  describe(`filters (${source})`, () => {
    const query = (rest: string) => get(`source=${source}&${rest}`);

    it('filters by one service or several; entries without a service never match', async () => {
      expect(indexes(await query('service=api'))).toEqual(picked((e) => e.service === 'api'));
      expect(indexes(await query('service=web&service=api'))).toEqual(picked((e) => e.service !== undefined));
      expect(indexes(await query('service=nobody'))).toEqual([]);
    });

    it('filters by attribute equality, values compared by their string form, keys AND-ed', async () => {
      expect(indexes(await query('attributes[region]=eu'))).toEqual([5, 4, 3, 2, 1, 0]);
      expect(indexes(await query('attributes[status]=502'))).toEqual(picked((_, i) => i % 2 === 1));
      expect(indexes(await query('attributes[cached]=true'))).toEqual([9, 6, 3, 0]);
      expect(indexes(await query('attributes[cached]=false&attributes[region]=us&attributes[status]=200'))).toEqual([10, 8]);
      expect(indexes(await query(`attributes[${encodeURIComponent('odd"key')}]=v1&attributes[region]=eu`))).toEqual([5, 3, 1]);
      // `502` is the number's string form; `"502"`, `1` for true or a missing key match nothing.
      expect(indexes(await query('attributes[status]=%22502%22'))).toEqual([]);
      expect(indexes(await query('attributes[cached]=1'))).toEqual([]);
      expect(indexes(await query('attributes[missing]=eu'))).toEqual([]);
    });

    it('combines service and attributes with level, time range and the cursor', async () => {
      const expected = picked((e, i) => e.service === 'api' && e.attributes.region === 'us' && e.level !== 'info' && i >= 7 && i < 11);
      expect(expected.length).toBeGreaterThan(1);
      const all = `service=api&attributes[region]=us&level=warn&level=error&since=${at(7)}&until=${at(11)}`;
      expect(indexes(await query(all))).toEqual(expected);
      const first = await query(`${all}&limit=1`);
      expect(indexes(first)).toEqual(expected.slice(0, 1));
      expect(indexes(await query(`${all}&cursor=${first.body.meta.nextCursor}`))).toEqual(expected.slice(1));
    });

    for (const order of ['desc', 'asc']) {
      it(`walks a filtered result exactly once with the cursor, ${order === 'asc' ? 'oldest' : 'newest'} first`, async () => {
        const walk = async (filter: string) =>
          (await logPages(t.key.secret, `source=${source}&${filter}&order=${order}&limit=2`)).flatMap(indexes);
        const inOrder = (list: number[]) => (order === 'asc' ? [...list].reverse() : list);
        expect(await walk('level=info&level=warn&level=error')).toEqual(inOrder(picked(() => true)));
        expect(await walk('service=web')).toEqual(inOrder(picked((e) => e.service === 'web')));
        expect(await walk('attributes[region]=us')).toEqual(inOrder([11, 10, 9, 8, 7, 6]));
      });
    }
  });
}

describe('text search with the new filters (d1)', () => {
  it('combines q with service and attributes', async () => {
    // "step 1 " is in entries 1, 10 and 11; of those only 1 came from web.
    expect(indexes(await get('q=STEP%201&service=web'))).toEqual([1]);
    expect(indexes(await get('q=checkout&attributes[region]=eu&attributes[status]=200&order=asc'))).toEqual([0, 2, 4]);
  });
});

describe('strict queries', () => {
  it('refuses unknown query parameters, naming each', async () => {
    const res = await get('colour=red&level=info&sort=asc');
    expectError(res, 400, 'VALIDATION_ERROR', 'Invalid input');
    expect(fields(res).sort()).toEqual(['colour', 'sort']);
    // The shape a new user tried first: not an attribute filter, so not silently ignored either.
    const dotted = await get('attributes.service=api');
    expectError(dotted, 400, 'VALIDATION_ERROR', 'Invalid input');
    expect(fields(dotted)).toEqual(['attributes.service']);
  });

  it('refuses since not before until', async () => {
    for (const range of [`since=${at(3)}&until=${at(3)}`, `since=${at(4)}&until=${at(3)}`]) {
      const res = await get(range);
      expectError(res, 400, 'VALIDATION_ERROR', 'Invalid input');
      expect(fields(res)).toEqual(['until']);
    }
  });

  it('refuses a bad order, more than 5 attribute keys, and a bad service', async () => {
    expect(fields(await get('order=sideways'))).toEqual(['order']);
    const six = Array.from({ length: 6 }, (_, i) => `attributes[k${i}]=v`).join('&');
    expect(fields(await get(six))).toEqual(['attributes']);
    expect(fields(await get('service=%20padded'))).toEqual(['service.0']);
    expect((await get('attributes[region]=eu&attributes[region]=us')).status).toBe(400);
  });
});
