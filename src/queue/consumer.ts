// The LOG_QUEUE consumer: stores delivered entries in D1, then adds them to the KV fast path.
import { atomically } from '../lib/db';
import { rememberRecent } from '../kv/recent-logs';
import { insertMessage } from '../repositories/logs';
import { publishStored } from '../tail/log-tail';
import { isLogMessage, type LogMessage } from '../services/logs';

/** Retry backoff: 2, 4, 8, … seconds, at most 5 minutes (after max_retries the message goes to the DLQ). */
const retryDelay = (attempts: number) => Math.min(2 ** attempts, 300);

/**
 * One D1 batch (one transaction) for the whole delivery: either every entry is stored or none
 * is. Inserts ignore ids already stored, so retrying after a failure anywhere (D1 or KV) and any
 * redelivery by Queues store each entry exactly once. Only then are the messages acknowledged.
 */
export async function consumeLogBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const messages: Message<LogMessage>[] = [];
  for (const message of batch.messages) {
    if (isLogMessage(message.body)) messages.push(message as Message<LogMessage>);
    else {
      // Not something ingest sends: let the retries run out so it lands in the DLQ for inspection.
      console.error(JSON.stringify({ level: 'error', event: 'log_message_malformed', messageId: message.id }));
      message.retry({ delaySeconds: retryDelay(message.attempts) });
    }
  }
  if (messages.length === 0) return;

  try {
    await atomically(env.DB, messages.map((message) => insertMessage(env.DB, message.body)));
    await rememberRecent(env.CACHE, messages.map((message) => message.body), Date.now());
    await publishStored(env, messages.map((message) => message.body));
    for (const message of messages) message.ack();
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', event: 'log_batch_failed', queue: batch.queue, messages: messages.length, error: String(err) }));
    for (const message of messages) message.retry({ delaySeconds: retryDelay(message.attempts) });
  }
}
