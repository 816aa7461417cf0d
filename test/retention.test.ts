// Retention: the cron moves blocks past their project's retention from the project's log shard to
// R2 (the blocks' gzip members per project and day, with an index) and only then deletes them.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { bloomMayHave, decodeBlock, trigramHashes } from '../src/blocks/format';
import { fromBase64url } from '../src/lib/base64url';
import { type LogEntry, type LogMessage, newLogIds } from '../src/model/logs';
import type { ArchiveIndex } from '../src/retention/archive';
import { deliver, purgeNow, shardOf, storedEntries, worker } from './logs.support';
import { api } from './support/http';
import { createProject, createTenant, type Project, type Tenant } from './support/tenancy';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2026-03-20T03:17:00.000Z'); // the cron's time of day

/** Stores entries at these times for the project (through the consumer); returns them as the API shows them. */
async function store(projectId: string, times: string[]): Promise<LogEntry[]> {
  const receivedAt = new Date().toISOString();
  const ids = newLogIds(times.length, Date.now());
  const message: LogMessage = {
    v: 1,
    projectId,
    receivedAt,
    entries: times.map((timestamp, i) => ({ id: ids[i], level: 'info', message: `at ${timestamp}`, timestamp, attributes: { i } })),
  };
  expect((await deliver([message])).retriedIds).toEqual([]);
  return message.entries.map((entry) => ({ ...entry, projectId, receivedAt }));
}

async function runCron(testEnv: Env = env, scheduledTime = NOW) {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ scheduledTime: new Date(scheduledTime), cron: '17 3 * * *' }), testEnv, ctx);
  await waitOnExecutionContext(ctx);
}

/**
 * An archive part's entries, read the way a search of the archive would: the index names each
 * block's byte range, and each range is one gzip member of NDJSON lines.
 */
async function readPart(key: string): Promise<LogEntry[]> {
  const index = (await (await env.ARCHIVE.get(key.replace(/\.ndjson\.gz$/, '.blocks.json')))!.json()) as ArchiveIndex;
  const whole = await env.ARCHIVE.head(key);
  expect(index.blocks.reduce((end, block) => Math.max(end, block.offset + block.length), 0)).toBe(whole!.size);
  const entries: LogEntry[] = [];
  for (const block of index.blocks) {
    const range = await env.ARCHIVE.get(key, { range: { offset: block.offset, length: block.length } });
    const inBlock = await decodeBlock(new Uint8Array(await range!.arrayBuffer()));
    expect(inBlock).toHaveLength(block.entries);
    expect([inBlock[0].timestamp, inBlock[inBlock.length - 1].timestamp]).toEqual([block.minTs, block.maxTs]);
    // The block's term filter travels with it: the archive can be searched like the shard.
    const terms = fromBase64url(block.terms);
    for (const entry of inBlock) expect(trigramHashes(entry.message).every((hash) => bloomMayHave(terms, hash))).toBe(true);
    entries.push(...inBlock);
  }
  return entries;
}

/** The project's archive parts (each has its .blocks.json index beside it). */
const partKeys = async (projectId: string) =>
  (await env.ARCHIVE.list({ prefix: `${projectId}/` })).objects.map((o) => o.key).filter((key) => key.endsWith('.ndjson.gz'));
const allKeys = async (projectId: string) => (await env.ARCHIVE.list({ prefix: `${projectId}/` })).objects.map((o) => o.key);

async function archived(projectId: string): Promise<Record<string, LogEntry[]>> {
  const parts: Record<string, LogEntry[]> = {};
  for (const key of await partKeys(projectId)) parts[key] = await readPart(key);
  return parts;
}

const storedIds = async (projectId: string) => (await storedEntries(projectId)).map((entry) => entry.id);

describe('retention', () => {
  let t: Tenant;
  let weekly: Project;
  let old: LogEntry[];
  let kept: LogEntry[];
  let defaultOld: LogEntry[];
  beforeAll(async () => {
    t = await createTenant(); // its project keeps the default 30 days
    weekly = await createProject(t.owner.accessToken, t.workspace.id, { retentionDays: 7 });
    old = await store(weekly.id, [
      '2026-03-10T05:00:00.000Z',
      '2026-03-10T23:59:59.999Z',
      '2026-03-10T00:00:00.000Z',
      '2026-03-11T12:00:00.000Z',
    ]);
    // Past 7 days (the cutoff is 2026-03-13T03:17) but on the cutoff's day: kept until that day is over.
    kept = await store(weekly.id, ['2026-03-13T01:00:00.000Z', '2026-03-19T12:00:00.000Z']);
    defaultOld = await store(t.project.id, ['2026-02-10T08:00:00.000Z', '2026-03-10T08:00:00.000Z']);
  });

  it('keeps everything if the archive cannot be written', async () => {
    const failingArchive = {
      head: (key: string) => env.ARCHIVE.head(key),
      put: async () => {
        throw new Error('R2 unavailable');
      },
    } as unknown as R2Bucket;
    await expect(runCron({ ...env, ARCHIVE: failingArchive })).rejects.toThrow('retention failed for 2 project(s)');
    expect(await storedIds(t.project.id)).toHaveLength(2);
    expect(await storedIds(weekly.id)).toHaveLength(6);
    expect(await archived(weekly.id)).toEqual({});
  });

  it("archives each project's expired blocks per day, then deletes them from the shard", async () => {
    await runCron();
    const byTime = (entries: LogEntry[]) => [...entries].sort((x, y) => (x.timestamp < y.timestamp ? -1 : 1));
    const parts = await archived(weekly.id);
    const day10 = byTime(old.slice(0, 3));
    const day11 = old.slice(3);
    expect(parts).toEqual({
      [`${weekly.id}/2026-03-10/${day10[0].id}-${day10[2].id}.ndjson.gz`]: day10,
      [`${weekly.id}/2026-03-11/${day11[0].id}-${day11[0].id}.ndjson.gz`]: day11,
    });
    expect(await storedIds(weekly.id)).toEqual(kept.map((e) => e.id));

    // 30 days for the other project: only February's entry has expired.
    expect(Object.values(await archived(t.project.id))).toEqual([[defaultOld[0]]]);
    expect(await storedIds(t.project.id)).toEqual([defaultOld[1].id]);

    const object = await env.ARCHIVE.head(Object.keys(parts)[0]);
    expect(object?.httpMetadata).toMatchObject({ contentType: 'application/x-ndjson', contentEncoding: 'gzip' });
    expect(object?.customMetadata).toEqual({ entries: '3', blocks: '3' });
  });

  it('archives late entries of an archived day as a further part, never overwriting one', async () => {
    const before = await archived(weekly.id);
    const [late] = await store(weekly.id, ['2026-03-10T12:00:00.000Z']);
    // Something already holds the name the new part would get: it is left alone too.
    const taken = `${weekly.id}/2026-03-10/${late.id}-${late.id}.ndjson.gz`;
    await env.ARCHIVE.put(taken, 'not ours');
    await runCron(env, NOW + DAY);

    const second = `${weekly.id}/2026-03-10/${late.id}-${late.id}.2.ndjson.gz`;
    // The next day's run also archived 2026-03-13 (its cutoff is 2026-03-14).
    const day13 = `${weekly.id}/2026-03-13/${kept[0].id}-${kept[0].id}.ndjson.gz`;
    expect((await partKeys(weekly.id)).sort()).toEqual([...Object.keys(before), taken, second, day13].sort());
    expect(await (await env.ARCHIVE.get(taken))!.text()).toBe('not ours');
    for (const [key, entries] of Object.entries(before)) expect(await readPart(key)).toEqual(entries);
    expect(await readPart(second)).toEqual([late]);
    expect(await readPart(day13)).toEqual([kept[0]]);
    expect(await storedIds(weekly.id)).toEqual([kept[1].id]);
  });

  it('archives a block whose term filter is large (some 180,000 distinct trigrams of noise in the messages)', async () => {
    const noisy = await createTenant();
    // Printable ASCII that lowercasing leaves alone, but the quote and backslash (JSON escapes them):
    // every message spells out consecutive three-character combinations, so nearly every trigram of
    // the block's 256 KiB is a new one and its Bloom filter grows past 130 KB.
    const ALPHABET = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).filter((ch) => !/["\\A-Z]/.test(ch));
    const triple = (k: number) =>
      [k / ALPHABET.length ** 2, k / ALPHABET.length, k].map((digit) => ALPHABET[Math.floor(digit) % ALPHABET.length]).join('');
    const ids = newLogIds(100, Date.now());
    const message: LogMessage = {
      v: 1,
      projectId: noisy.project.id,
      receivedAt: new Date().toISOString(),
      entries: ids.map((id, i) => ({
        id,
        level: 'info',
        message: Array.from({ length: 800 }, (_, k) => triple(i * 800 + k)).join(''),
        timestamp: `2026-02-01T10:00:${String(i % 60).padStart(2, '0')}.000Z`,
        attributes: {},
      })),
    };
    expect((await deliver([message])).retriedIds).toEqual([]);
    // The case this replays: one filter larger than String.fromCharCode takes as arguments at once.
    const filterBytes = await env[await shardOf(noisy.project.id)]
      .prepare('SELECT max(length(terms)) AS n FROM log_blocks WHERE project_id = ?')
      .bind(noisy.project.id)
      .first<number>('n');
    expect(filterBytes).toBeGreaterThan(130_000);
    await runCron();
    expect(await storedIds(noisy.project.id)).toEqual([]);
    const parts = Object.values(await archived(noisy.project.id)).flat();
    expect(parts.map((entry) => entry.id).sort()).toEqual([...ids].sort());
  });

  it('does nothing when nothing has expired', async () => {
    const fresh = await createTenant();
    const entries = await store(fresh.project.id, [new Date(NOW - 29 * DAY).toISOString()]);
    await runCron();
    expect(await storedIds(fresh.project.id)).toEqual([entries[0].id]);
    expect(await archived(fresh.project.id)).toEqual({});
  });

  it('purges deleted projects and workspaces in the background, never anything not recorded as deleted', async () => {
    const leaving = await createTenant();
    const removedProject = await createProject(leaving.owner.accessToken, leaving.workspace.id);
    const staying = await createTenant();
    for (const project of [leaving.project, removedProject, staying.project])
      await store(project.id, ['2026-02-01T08:00:00.000Z', new Date().toISOString()]);
    await runCron(env, NOW + 2 * DAY);
    for (const project of [leaving.project, removedProject, staying.project]) expect(await partKeys(project.id)).toHaveLength(1);
    // Archives of a project this database never knew (another deployment's, say) are not ours to delete.
    await env.ARCHIVE.put('prj_unknowntothisdb/2026-01-01/x.ndjson.gz', 'someone else');
    const before = {
      weekly: await allKeys(weekly.id),
      staying: await archived(staying.project.id),
      stayingStored: await storedIds(staying.project.id),
    };

    const projectGone = await api.delete(`/v1/workspaces/${leaving.workspace.id}/projects/${removedProject.id}`, {
      token: leaving.owner.accessToken,
    });
    expect(projectGone.status).toBe(200);
    // Unreachable at once; its data goes with the purge.
    expect(await partKeys(removedProject.id)).toHaveLength(1);
    await purgeNow([removedProject.id]);
    expect(await allKeys(removedProject.id)).toEqual([]);
    expect(await storedIds(removedProject.id)).toEqual([]);
    expect(await partKeys(leaving.project.id)).toHaveLength(1);

    const workspaceGone = await api.delete(`/v1/workspaces/${leaving.workspace.id}`, { token: leaving.owner.accessToken });
    expect(workspaceGone.status).toBe(200);
    // A purge whose messages were lost is scheduled again by the cron.
    const sent: unknown[] = [];
    const capturing = { sendBatch: async (batch: { body: unknown }[]) => void sent.push(...batch.map((m) => m.body)) } as unknown as Queue;
    await runCron({ ...env, PURGE_QUEUE: capturing }, NOW + 4 * DAY);
    expect(sent).toEqual([{ v: 1, projectId: leaving.project.id }]);
    await purgeNow([leaving.project.id]);
    expect(await allKeys(leaving.project.id)).toEqual([]);
    expect(await storedIds(leaving.project.id)).toEqual([]);

    // Live projects keep every part and entry; the unknown prefix is untouched.
    expect(await allKeys(weekly.id)).toEqual(before.weekly);
    expect(await archived(staying.project.id)).toEqual(before.staying);
    expect(await storedIds(staying.project.id)).toEqual(before.stayingStored);
    expect(await (await env.ARCHIVE.get('prj_unknowntothisdb/2026-01-01/x.ndjson.gz'))!.text()).toBe('someone else');
  });
});
