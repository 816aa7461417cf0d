// Log shards: a project is placed on one shard when it is created, its entries are written to and
// read from that shard only, and deleting it purges its data in bounded chunks in the background.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBlocks } from '../src/blocks/format';
import { type LogEntry, type LogMessage, newLogIds } from '../src/model/logs';
import { insertBlockStatements } from '../src/repositories/log-blocks';
import { PURGE_CHUNK, type PurgeMessage } from '../src/retention/purge';
import { deliver, fetchWithEnv, ingestAndStore, purgeNow, shardOf, storedEntries, worker } from './logs.support';
import { api } from './support/http';
import { createApiKey, createProject, createTenant, type Tenant } from './support/tenancy';

const SHARDS = ['LOGS_0', 'LOGS_1'] as const;
const other = (shard: (typeof SHARDS)[number]) => (shard === 'LOGS_0' ? 'LOGS_1' : 'LOGS_0');

describe('placement', () => {
  let t: Tenant;
  const byShard = new Map<string, { projectId: string; secret: string }[]>();
  beforeAll(async () => {
    t = await createTenant();
    // Placement is uniformly random among the open shards: 24 projects land on both (all on one: 2^-23).
    for (let i = 0; i < 24; i++) {
      const project = await createProject(t.owner.accessToken, t.workspace.id);
      const key = await createApiKey(t.owner.accessToken, t.workspace.id, project.id);
      const shard = await shardOf(project.id);
      byShard.set(shard, [...(byShard.get(shard) ?? []), { projectId: project.id, secret: key.secret }]);
    }
  }, 60_000);

  it('spreads new projects over every open shard', () => {
    expect([...byShard.keys()].sort()).toEqual([...SHARDS]);
  });

  it("writes a project's entries to its shard only, and reads them from there only", async () => {
    for (const shard of SHARDS) {
      const { projectId, secret } = byShard.get(shard)![0];
      const ids = await ingestAndStore(secret, { entries: [{ level: 'info', message: 'real entry' }] });
      expect((await storedEntries(projectId, shard)).map((entry) => entry.id)).toEqual(ids);
      expect(await storedEntries(projectId, other(shard))).toEqual([]);

      // A block of this project planted in the other shard is never read.
      const [decoyId] = newLogIds(1, Date.now());
      const decoy: LogEntry = {
        id: decoyId,
        projectId,
        level: 'info',
        message: 'decoy in the wrong shard',
        timestamp: new Date().toISOString(),
        receivedAt: new Date().toISOString(),
        attributes: {},
      };
      await env[other(shard)].batch(insertBlockStatements(env[other(shard)], await encodeBlocks(projectId, [decoy], new Set())));
      const res = await api.get('/v1/logs?source=d1', { token: secret });
      expect(res.body.data.entries.map((entry: LogEntry) => entry.id)).toEqual(ids);
    }
  });

  it('places new projects only on the shards LOG_SHARDS_OPEN names (a full shard is left out)', async () => {
    for (const shard of SHARDS) {
      for (let i = 0; i < 4; i++) {
        const res = await fetchWithEnv({ ...env, LOG_SHARDS_OPEN: shard }, 'POST', `/v1/workspaces/${t.workspace.id}/projects`, {
          body: { name: 'Pinned', slug: `pinned-${crypto.randomUUID().slice(0, 8)}` },
          token: t.owner.accessToken,
        });
        expect(res.status).toBe(201);
        expect(await shardOf(res.body.data.id)).toBe(shard);
      }
    }
  });
});

describe('deleting a project many chunks large', () => {
  it('purges blocks, fast-path objects and archives chunk by chunk, resumes after a failure, and touches no other project', async () => {
    const t = await createTenant();
    const neighbour = await createTenant();
    const shard = await shardOf(t.project.id);
    // 700 blocks (one per hour, 3.5 purge chunks) and 150 fast-path objects (one per delivery).
    const hours = 700;
    const ids = newLogIds(hours, Date.now());
    const now = Date.now();
    const old: LogMessage = {
      v: 1,
      projectId: t.project.id,
      receivedAt: new Date().toISOString(),
      entries: ids.map((id, i) => ({
        id,
        level: 'info',
        message: `hour ${i}`,
        timestamp: new Date(now - (i + 30) * 3_600_000).toISOString(),
        attributes: {},
      })),
    };
    expect((await deliver([old])).retriedIds).toEqual([]);
    for (let i = 0; i < 150; i++) {
      const [id] = newLogIds(1, now + i);
      const recent: LogMessage = {
        v: 1,
        projectId: t.project.id,
        receivedAt: new Date().toISOString(),
        entries: [{ id, level: 'info', message: `recent ${i}`, timestamp: new Date(now - i).toISOString(), attributes: {} }],
      };
      expect((await deliver([recent])).retriedIds).toEqual([]);
    }
    // Archives beyond one listing.
    await Promise.all(
      Array.from({ length: PURGE_CHUNK.archives + 5 }, (_, i) => env.ARCHIVE.put(`${t.project.id}/2026-01-01/part-${i}.ndjson.gz`, 'x')),
    );
    await ingestAndStore(neighbour.key.secret, { level: 'info', message: 'neighbour stays' });
    await env.ARCHIVE.put(`${neighbour.project.id}/2026-01-01/part.ndjson.gz`, 'neighbour archive');

    const stored = await storedEntries(t.project.id);
    expect(stored).toHaveLength(hours + 150);
    const blockCount = async () =>
      (await env[shard].prepare('SELECT COUNT(*) AS n FROM log_blocks WHERE project_id = ?').bind(t.project.id).first<number>('n'))!;
    const blocks = await blockCount();
    expect(blocks).toBeGreaterThan(3 * PURGE_CHUNK.blocks);

    const gone = await api.delete(`/v1/workspaces/${t.workspace.id}/projects/${t.project.id}`, { token: t.owner.accessToken });
    expect(gone.status).toBe(200);

    // The first chunk fails in the shard: the message is retried, nothing of anyone else is touched.
    const flakyShard = {
      prepare: () => ({ bind: () => ({ run: async () => Promise.reject(new Error('D1_ERROR: simulated outage')) }) }),
    } as unknown as D1Database;
    const batch = createMessageBatch<PurgeMessage>('loglane-purge', [
      { id: 'purge-fail', timestamp: new Date(), attempts: 1, body: { v: 1, projectId: t.project.id } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue!(batch as MessageBatch<unknown>, { ...env, [shard]: flakyShard }, ctx);
    expect((await getQueueResult(batch, ctx)).retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['purge-fail']);

    // The retry and its successors run to the end, one bounded chunk per message.
    const messages = await purgeNow([t.project.id]);
    // Full block chunks, then at least one more message each for the second KV listing and the second R2 listing.
    expect(messages).toBeGreaterThanOrEqual(Math.ceil(blocks / PURGE_CHUNK.blocks) + 2);
    expect(await blockCount()).toBe(0);
    expect((await env.CACHE.list({ prefix: `recent:${t.project.id}:` })).keys).toEqual([]);
    expect((await env.ARCHIVE.list({ prefix: `${t.project.id}/` })).objects).toEqual([]);
    // Done once: a further message finds the purge finished and does nothing.
    expect(await purgeNow([t.project.id])).toBe(1);

    expect(await storedEntries(neighbour.project.id)).toHaveLength(1);
    expect((await api.get('/v1/logs?source=kv', { token: neighbour.key.secret })).body.data.entries).toHaveLength(1);
    expect(await (await env.ARCHIVE.get(`${neighbour.project.id}/2026-01-01/part.ndjson.gz`))!.text()).toBe('neighbour archive');
  }, 120_000);
});
