// Retention (the daily cron): blocks whose entries are all past their project's retention move
// from the project's log shard to R2, one or more parts per project and UTC day:
//
//   {projectId}/{YYYY-MM-DD}/{first block id}-{last block id}.ndjson.gz   the blocks' gzip members back to back
//   {projectId}/{YYYY-MM-DD}/{first block id}-{last block id}.blocks.json  their index
//
// The part is the shard's own block bytes, copied, not re-encoded: `zcat` (or any gzip reader that
// follows members) reads it as NDJSON, one line per block holding its entries column by column
// (decodeBlock turns a block's bytes back into LogEntry objects), and the index gives each block's byte
// range, entry count, time range, levels and term filter, so an archive can be searched block by
// block with range reads exactly as a shard is. Blocks leave the shard only after their part is
// written, and only those exact blocks; a part never replaces an existing object, so the worst case
// of a crash between write and delete is an entry in two parts, never an entry in none.
import { base64url } from '../lib/base64url';
import { atomically } from '../lib/db';
import { groupBy } from '../lib/group';
import { log } from '../lib/log';
import { logShard } from '../lib/shards';
import { type ArchivableBlock, blocksBefore, deleteBlockStatements } from '../repositories/log-blocks';
import { type RetentionPolicy, retentionPolicies } from '../repositories/projects';

const DAY_MS = 24 * 60 * 60 * 1000;
const PROJECTS_PER_PAGE = 200;
// Blocks are at most 256 KiB of NDJSON, far less gzipped: a read stays a few MB in memory.
const BLOCKS_PER_READ = 100;

const startOfUtcDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

/** One block of an archive part, as its index describes it. */
type ArchivedBlock = {
  id: string;
  minTs: string;
  maxTs: string;
  entries: number;
  levels: number;
  offset: number;
  length: number;
  terms: string;
};
export type ArchiveIndex = { v: 1; projectId: string; blocks: ArchivedBlock[] };

/**
 * Archives every project's expired blocks; returns how many entries and parts were written. A
 * project that fails is logged and skipped (the others still run); the run then fails as a whole,
 * so the failure shows in the cron's status, and the next run picks the project up again.
 */
export async function archiveExpired(env: Env, nowMs: number): Promise<{ entries: number; parts: number }> {
  const totals = { entries: 0, parts: 0 };
  let failed = 0;
  let after = '';
  for (;;) {
    const policies = await retentionPolicies(env.DB, after, PROJECTS_PER_PAGE);
    for (const policy of policies) {
      try {
        await archiveProject(env, policy, nowMs, totals);
      } catch (err) {
        failed++;
        log.error('retention_failed', { projectId: policy.projectId, error: err });
      }
    }
    if (policies.length < PROJECTS_PER_PAGE) break;
    after = policies[policies.length - 1].projectId;
  }
  log.info('retention_done', { ...totals, failedProjects: failed });
  if (failed > 0) throw new Error(`retention failed for ${failed} project(s)`);
  return totals;
}

async function archiveProject(env: Env, policy: RetentionPolicy, nowMs: number, totals: { entries: number; parts: number }) {
  const db = logShard(env, policy.logShard);
  // Whole UTC days: everything is kept at least `retentionDays`, and a day is archived in one run.
  const cutoff = new Date(startOfUtcDay(nowMs - policy.retentionDays * DAY_MS)).toISOString();
  for (;;) {
    const blocks = await blocksBefore(db, policy.projectId, cutoff, BLOCKS_PER_READ);
    for (const [day, dayBlocks] of groupBy(blocks, (block) => block.maxTs.slice(0, 10))) {
      await putNewPart(
        env.ARCHIVE,
        `${policy.projectId}/${day}/${dayBlocks[0].id}-${dayBlocks[dayBlocks.length - 1].id}`,
        policy.projectId,
        dayBlocks,
      );
      await atomically(db, deleteBlockStatements(db, dayBlocks));
      totals.entries += dayBlocks.reduce((sum, block) => sum + block.entries, 0);
      totals.parts += 1;
    }
    if (blocks.length < BLOCKS_PER_READ) return;
  }
}

/** Writes the part and its index under `base`, or `base.2`, `base.3`, … if that name is taken: an archive object is never overwritten. */
async function putNewPart(bucket: R2Bucket, base: string, projectId: string, blocks: ArchivableBlock[]): Promise<string> {
  const index: ArchiveIndex = { v: 1, projectId, blocks: [] };
  let offset = 0;
  for (const block of blocks) {
    const { id, minTs, maxTs, entries, levels } = block;
    index.blocks.push({ id, minTs, maxTs, entries, levels, offset, length: block.data.byteLength, terms: base64url(block.terms) });
    offset += block.data.byteLength;
  }
  const body = new Uint8Array(offset);
  for (const [i, block] of blocks.entries()) body.set(block.data, index.blocks[i].offset);

  for (let n = 1; ; n++) {
    const name = `${base}${n === 1 ? '' : `.${n}`}`;
    if (await bucket.head(`${name}.ndjson.gz`)) continue;
    const entries = String(index.blocks.reduce((sum, block) => sum + block.entries, 0));
    await bucket.put(`${name}.blocks.json`, JSON.stringify(index), { httpMetadata: { contentType: 'application/json' } });
    await bucket.put(`${name}.ndjson.gz`, body, {
      httpMetadata: { contentType: 'application/x-ndjson', contentEncoding: 'gzip' },
      customMetadata: { entries, blocks: String(blocks.length) },
    });
    return name;
  }
}

/** Deletes up to `limit` of a deleted project's archive objects; true while more remain. */
export async function deleteArchives(bucket: R2Bucket, projectId: string, limit: number): Promise<boolean> {
  const { objects, truncated } = await bucket.list({ prefix: `${projectId}/`, limit });
  if (objects.length > 0) await bucket.delete(objects.map((object) => object.key));
  return truncated;
}
