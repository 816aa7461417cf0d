// Deleting a project (or its workspace) makes it unreachable at once: the control plane records it
// in deleted_projects in the same batch that removes it. Its entries (log shard), fast-path objects
// (KV) and archives (R2) then go in the background through PURGE_QUEUE, one bounded chunk per
// message: each message removes a chunk and sends the next, so a project of any size is purged
// within the limits of one invocation, a failed chunk is retried, and the daily cron schedules
// again whatever is still pending. Only projects recorded as deleted are ever purged.

import { forgetRecent } from '../kv/recent-logs';
import { nowIso } from '../lib/clock';
import { log } from '../lib/log';
import { logShard } from '../lib/shards';
import { retryDelay } from '../queue/retry';
import { deleteSomeBlocks } from '../repositories/log-blocks';
import { findDeletedProject, markPurged, pendingPurges } from '../repositories/projects';
import { deleteArchives } from './archive';

export type PurgeMessage = { v: 1; projectId: string };
const isPurgeMessage = (body: unknown): body is PurgeMessage =>
  (body as Partial<PurgeMessage> | null)?.v === 1 && typeof (body as PurgeMessage).projectId === 'string';

/** What one message removes at most: D1 blocks, KV objects (one delete each), R2 objects (one bulk delete). */
export const PURGE_CHUNK = { blocks: 200, kvObjects: 100, archives: 1000 } as const;
/** Projects scheduled by one workspace deletion or cron run; the cron picks up any beyond. */
export const MAX_PURGES_SCHEDULED = 100;
// Lets consumer batches already past their project lookup finish before the purge starts.
const FIRST_CHUNK_DELAY_SECONDS = 60;

/** Schedules the purge of deleted projects. A failure is logged, not thrown: the cron schedules it again. */
export async function schedulePurges(env: Env, projectIds: string[]): Promise<void> {
  if (projectIds.length === 0) return;
  try {
    await env.PURGE_QUEUE.sendBatch(
      projectIds.map((projectId) => ({
        body: { v: 1, projectId } satisfies PurgeMessage,
        contentType: 'json' as const,
        delaySeconds: FIRST_CHUNK_DELAY_SECONDS,
      })),
    );
  } catch (err) {
    log.error('purge_schedule_failed', { projects: projectIds.length, error: err });
  }
}

/** The daily cron: schedules every purge that has not finished (a lost message, a dead-lettered one). */
export async function resumePurges(env: Env): Promise<number> {
  const pending = await pendingPurges(env.DB, MAX_PURGES_SCHEDULED);
  await schedulePurges(env, pending);
  return pending.length;
}

/** PURGE_QUEUE deliveries: one chunk per message, acknowledged once done, retried otherwise. */
export async function consumePurgeBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    if (!isPurgeMessage(message.body)) {
      log.error('purge_message_malformed', { messageId: message.id });
      message.ack();
      continue;
    }
    try {
      await purgeChunk(env, message.body.projectId);
      message.ack();
    } catch (err) {
      log.error('purge_failed', { projectId: message.body.projectId, error: err });
      message.retry({ delaySeconds: retryDelay(message.attempts) });
    }
  }
}

async function purgeChunk(env: Env, projectId: string): Promise<void> {
  const project = await findDeletedProject(env.DB, projectId);
  if (!project || project.purged) return;
  const more =
    (await deleteSomeBlocks(logShard(env, project.logShard), projectId, PURGE_CHUNK.blocks)) === PURGE_CHUNK.blocks ||
    (await forgetRecent(env.CACHE, projectId, PURGE_CHUNK.kvObjects)) ||
    (await deleteArchives(env.ARCHIVE, projectId, PURGE_CHUNK.archives));
  if (more) await env.PURGE_QUEUE.send({ v: 1, projectId } satisfies PurgeMessage, { contentType: 'json' });
  else await markPurged(env.DB, projectId, nowIso());
}
