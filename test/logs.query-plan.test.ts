// The block queries stay reads of one project's primary-key range as a shard grows: EXPLAIN QUERY
// PLAN of every statement the repository actually issues (recorded through a D1 wrapper), with and
// without ANALYZE statistics. Never a scan of the table, never a sort: what a query costs depends on
// its own project's blocks only.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { pageFromBlocks } from '../src/blocks/page';
import { logShard } from '../src/lib/shards';
import { type LogFilter, type LogMessage, newLogIds } from '../src/model/logs';
import {
  blocksBefore,
  candidateBlocks,
  deleteBlockStatements,
  deleteSomeBlocks,
  readBlocks,
  storedMessages,
} from '../src/repositories/log-blocks';
import { deliver, shardOf } from './logs.support';
import { createTenant } from './support/tenancy';

type Recorded = { sql: string; params: unknown[] };

let projectId: string;
let shard: D1Database;
let shardName: string;

/** The project's shard, with its statements recorded with their parameters as they are bound. */
function recordingDb(): { db: D1Database; recorded: Recorded[] } {
  const recorded: Recorded[] = [];
  const db = {
    prepare: (sql: string) => ({
      bind: (...params: unknown[]) => {
        recorded.push({ sql, params });
        return shard.prepare(sql).bind(...params);
      },
    }),
    batch: (statements: D1PreparedStatement[]) => shard.batch(statements),
  } as unknown as D1Database;
  return { db, recorded };
}

async function planOf({ sql, params }: Recorded): Promise<string[]> {
  const { results } = await shard
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((row) => row.detail);
}

const PROJECT_RANGE = /SEARCH log_blocks USING PRIMARY KEY \(project_id=\?/;

async function expectProjectRangePlans(recorded: Recorded[]) {
  expect(recorded.length).toBeGreaterThan(0);
  for (const statement of recorded) {
    const plan = await planOf(statement);
    const context = `${statement.sql}\n${plan.join('\n')}`;
    expect(
      plan.some((step) => PROJECT_RANGE.test(step)),
      context,
    ).toBe(true);
    expect(
      plan.filter((step) => /\bSCAN log_blocks\b|TEMP B-TREE/.test(step)),
      context,
    ).toEqual([]);
  }
}

const HOUR = 60 * 60 * 1000;
beforeAll(async () => {
  // 20,000 entries in two projects (on whatever shards they were placed), mostly info, a few errors,
  // two services: enough blocks for ANALYZE to have opinions.
  const [one, two] = await Promise.all([createTenant(), createTenant()]);
  projectId = one.project.id;
  shardName = await shardOf(projectId);
  shard = logShard(env, shardName);
  const start = Date.now() - 40 * 24 * HOUR;
  for (const project of [one, two]) {
    const messages: LogMessage[] = [];
    for (let chunk = 0; chunk < 10; chunk++) {
      const ids = newLogIds(1000, start + chunk * 1000);
      const entries = ids.map((id, i) => ({
        id,
        level: (i % 50 === 0 ? 'error' : i % 7 === 0 ? 'warn' : 'info') as LogMessage['entries'][number]['level'],
        message: `request ${chunk}-${i} served in ${i % 300} ms`,
        service: i % 2 ? 'api' : 'worker',
        timestamp: new Date(start + (chunk * 1000 + i) * 15_000).toISOString(),
        attributes: { i, route: `/r/${i % 10}` },
      }));
      messages.push({ v: 1, projectId: project.project.id, receivedAt: new Date().toISOString(), entries });
    }
    expect((await deliver(messages)).retriedIds).toEqual([]);
  }
});

const position = { timestamp: new Date(Date.now() - 39 * 24 * HOUR).toISOString(), id: 'log_zzzzzzzz' };
const filters: [string, Omit<LogFilter, 'projectId'>][] = [
  ['first page', { order: 'desc', limit: 101 }],
  ['next page (cursor)', { order: 'desc', position, limit: 101 }],
  ['oldest first, next page', { order: 'asc', position, limit: 101 }],
  ['since and until', { order: 'desc', since: '2000-01-01T00:00:00.000Z', until: position.timestamp, limit: 101 }],
  ['one level', { order: 'desc', levels: ['error'], limit: 101 }],
  [
    'several levels, time range and cursor',
    { order: 'desc', levels: ['warn', 'error', 'fatal'], since: '2000-01-01T00:00:00.000Z', position, limit: 101 },
  ],
  ['text', { order: 'desc', text: 'served in 42', limit: 101 }],
  ['short text', { order: 'desc', text: '50', levels: ['error'], limit: 101 }],
  ['services and attributes', { order: 'desc', services: ['api', 'cron'], attributes: { route: '/r/3' }, limit: 101 }],
];

for (const statistics of [false, true]) {
  describe(statistics ? 'with ANALYZE statistics' : 'without statistics', () => {
    beforeAll(async () => {
      if (statistics) await shard.prepare('ANALYZE').run();
    });

    for (const [name, filter] of filters) {
      it(`a page: ${name}`, async () => {
        const { db, recorded } = recordingDb();
        const full = { projectId, ...filter };
        const { entries: page } = await pageFromBlocks(candidateBlocks(db, full), (refs) => readBlocks(db, shardName, full, refs), full);
        expect(page.length).toBeGreaterThan(0);
        expect(page.every((entry) => entry.projectId === projectId)).toBe(true);
        await expectProjectRangePlans(recorded);
      });
    }

    it('the redelivery check, retention and the purge', async () => {
      const { db, recorded } = recordingDb();
      await storedMessages(db, projectId, [position]);
      const blocks = await blocksBefore(db, projectId, new Date(Date.now() - 30 * 24 * HOUR).toISOString(), 5);
      expect(blocks).toHaveLength(5);
      deleteBlockStatements(db, blocks); // prepared and recorded, not run
      await expectProjectRangePlans(recorded);
      expect(await deleteSomeBlocks(recordingDb().db, 'prj_nosuchproject', 10)).toBe(0);
      const purge = await planOf({
        sql: 'DELETE FROM log_blocks WHERE project_id = ?1 AND (max_ts, id) IN (SELECT max_ts, id FROM log_blocks WHERE project_id = ?1 LIMIT ?2)',
        params: [projectId, 10],
      });
      expect(
        purge.filter((step) => /\bSCAN log_blocks\b/.test(step)),
        purge.join('\n'),
      ).toEqual([]);
    });
  });
}
