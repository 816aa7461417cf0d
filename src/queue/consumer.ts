// The LOG_QUEUE consumer: stores delivered entries as blocks in their projects' log shards, then
// adds them to the KV fast path.
import { encodeBlocks } from '../blocks/format';
import { rememberRecent } from '../kv/recent-logs';
import { atomically } from '../lib/db';
import { groupBy } from '../lib/group';
import { log } from '../lib/log';
import { logShard } from '../lib/shards';
import { isLogMessage, type LogEntry, type LogMessage } from '../model/logs';
import { insertBlockStatements, storedMessages } from '../repositories/log-blocks';
import { logShardsOf } from '../repositories/projects';
import { publishStored } from '../tail/log-tail';
import { retryDelay } from './retry';

/**
 * Each shard gets one D1 batch (one transaction) for its part of the delivery. A message is stored
 * exactly once: on its first delivery nobody can have stored it, unless it is `resendable` (an
 * Idempotency-Key retry may have sent it again); a redelivery (attempts > 1) or a resendable message
 * is first looked up by its first entry, and skipped if a block already holds it or an earlier
 * message of this delivery has that first entry; and a resendable message goes into blocks of its
 * own, so that two runs storing its copies at once write identical rows. Only when every
 * shard has stored its part are the messages acknowledged; otherwise all are retried.
 */
export async function consumeLogBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const messages: Message<LogMessage>[] = [];
  for (const message of batch.messages) {
    if (isLogMessage(message.body) && message.body.entries.length > 0) messages.push(message as Message<LogMessage>);
    else {
      // Not something ingest sends: let the retries run out so it lands in the DLQ for inspection.
      log.error('log_message_malformed', { messageId: message.id });
      message.retry({ delaySeconds: retryDelay(message.attempts) });
    }
  }
  if (messages.length === 0) return;

  try {
    const shards = await logShardsOf(env.DB, [...new Set(messages.map((message) => message.body.projectId))]);
    // Entries of a project deleted while they were queued are dropped.
    const live = messages.filter((message) => shards.has(message.body.projectId));
    const byShard = groupBy(live, (message) => shards.get(message.body.projectId)!);
    await Promise.all(
      [...byShard].map(([shard, shardMessages]) =>
        storeInShard(
          logShard(env, shard),
          groupBy(shardMessages, (message) => message.body.projectId),
        ),
      ),
    );
    const stored = live.map((message) => message.body);
    await rememberRecent(env.CACHE, stored, Date.now());
    await publishStored(env, stored);
    for (const message of messages) message.ack();
  } catch (err) {
    log.error('log_batch_failed', { queue: batch.queue, messages: messages.length, error: err });
    for (const message of messages) message.retry({ delaySeconds: retryDelay(message.attempts) });
  }
}

const firstEntryOf = (message: Message<LogMessage>) => message.body.entries[0];

async function storeInShard(db: D1Database, projects: Map<string, Message<LogMessage>[]>): Promise<void> {
  const statements = await Promise.all(
    [...projects].map(async ([projectId, messages]) => {
      const stored = await storedMessages(
        db,
        projectId,
        messages.filter((message) => message.attempts > 1 || message.body.resendable).map(firstEntryOf),
      );
      const fresh = messages.filter((message) => {
        const { id } = firstEntryOf(message);
        if (stored.has(id)) return false;
        stored.add(id); // a message sent twice may arrive twice in one delivery
        return true;
      });
      // Two consumer runs may each find a resendable message's copy new before either stores it.
      // Alone in its blocks, every copy makes the very same blocks, which INSERT OR IGNORE keeps once.
      const groups = [
        fresh.filter((message) => !message.body.resendable),
        ...fresh.filter((message) => message.body.resendable).map((m) => [m]),
      ];
      const blocks = await Promise.all(groups.filter((group) => group.length > 0).map((group) => blocksOf(projectId, group)));
      return insertBlockStatements(db, blocks.flat());
    }),
  );
  if (statements.flat().length > 0) await atomically(db, statements.flat());
}

/** One project's messages as blocks (entries grouped by hour, oldest first: the same messages make the same blocks). */
function blocksOf(projectId: string, messages: Message<LogMessage>[]) {
  const entries: LogEntry[] = messages.flatMap(({ body }) =>
    body.entries.map((entry) => ({ ...entry, projectId, receivedAt: body.receivedAt })),
  );
  return encodeBlocks(projectId, entries, new Set(messages.map((message) => firstEntryOf(message).id)));
}
