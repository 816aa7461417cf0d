// Retention (the daily cron): entries older than their project's retention move from D1 to R2 as
// gzipped NDJSON, one or more parts per project and UTC day:
//
//   {projectId}/{YYYY-MM-DD}/{first id}-{last id}.ndjson.gz
//
// Rows leave D1 only after their part is written, and only those exact rows (by id), so an entry
// that arrives meanwhile waits for the next run. A part never replaces an existing object: a day
// archived in several runs (late entries, a crash between write and delete) gets further parts,
// so the worst case is an entry in two parts, never an entry in none.
import { inChunks } from '../lib/bounded';
import { atomically } from '../lib/db';
import { deleteEntries, entriesBetween, oldestBetween, retentionPolicies, type RetentionPolicy } from '../repositories/logs';
import type { Cursor } from '../services/logs';

const DAY_MS = 24 * 60 * 60 * 1000;
const PROJECTS_PER_PAGE = 200;
const ROWS_PER_READ = 1000;
// A part is bounded so that it is built in memory comfortably (Workers have 128 MB).
const PART_MAX_ROWS = 10_000;
const PART_MAX_CHARS = 8 * 1024 * 1024;
const IDS_PER_DELETE = 1000;

const startOfUtcDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Archives every project's expired entries; returns how many entries and parts were written. A
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
        console.error(JSON.stringify({ level: 'error', event: 'retention_failed', projectId: policy.projectId, error: String(err) }));
      }
    }
    if (policies.length < PROJECTS_PER_PAGE) break;
    after = policies[policies.length - 1].projectId;
  }
  console.log(JSON.stringify({ level: 'info', event: 'retention_done', ...totals, failedProjects: failed }));
  if (failed > 0) throw new Error(`retention failed for ${failed} project(s)`);
  return totals;
}

async function archiveProject(env: Env, { projectId, retentionDays }: RetentionPolicy, nowMs: number, totals: { entries: number; parts: number }) {
  // Whole UTC days: everything is kept at least `retentionDays`, and a day is archived in one run.
  const cutoff = iso(startOfUtcDay(nowMs - retentionDays * DAY_MS));
  let oldest = await oldestBetween(env.DB, projectId, '', cutoff);
  while (oldest) {
    const dayStart = startOfUtcDay(Date.parse(oldest));
    await archiveDay(env, projectId, dayStart, totals);
    oldest = await oldestBetween(env.DB, projectId, iso(dayStart + DAY_MS), cutoff);
  }
}

async function archiveDay(env: Env, projectId: string, dayStart: number, totals: { entries: number; parts: number }) {
  const [from, to, day] = [iso(dayStart), iso(dayStart + DAY_MS), iso(dayStart).slice(0, 10)];
  let after: Cursor | undefined;
  let more = true;
  while (more) {
    const ids: string[] = [];
    let ndjson = '';
    while (more && ids.length < PART_MAX_ROWS && ndjson.length < PART_MAX_CHARS) {
      const rows = await entriesBetween(env.DB, projectId, from, to, after, ROWS_PER_READ);
      for (const row of rows) {
        ids.push(row.id);
        ndjson += `${JSON.stringify(row)}\n`;
      }
      if (rows.length > 0) after = rows[rows.length - 1];
      more = rows.length === ROWS_PER_READ;
    }
    if (ids.length === 0) return;
    await putNewPart(env.ARCHIVE, `${projectId}/${day}/${ids[0]}-${ids[ids.length - 1]}`, await gzip(ndjson), ids.length);
    await atomically(env.DB, inChunks(ids, IDS_PER_DELETE).map((chunk) => deleteEntries(env.DB, chunk)));
    totals.entries += ids.length;
    totals.parts += 1;
  }
}

const gzip = (text: string) => new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();

/** Writes under `base`, or `base.2`, `base.3`, … if that name is taken: an archive object is never overwritten. */
async function putNewPart(bucket: R2Bucket, base: string, body: ArrayBuffer, entries: number): Promise<string> {
  for (let n = 1; ; n++) {
    const key = `${base}${n === 1 ? '' : `.${n}`}.ndjson.gz`;
    if (await bucket.head(key)) continue;
    await bucket.put(key, body, {
      httpMetadata: { contentType: 'application/x-ndjson', contentEncoding: 'gzip' },
      customMetadata: { entries: String(entries) },
    });
    return key;
  }
}
