// Sending LOG_QUEUE messages within the Queues limits, from the Worker (sendMessages) or from an
// API key's RateLimiter object, which sends the messages of concurrent requests together (MessageGroups).
import type { LogMessage } from '../model/logs';

/** A message and (at most) its size as JSON in bytes. */
export type OutgoingMessage = { body: LogMessage; bytes: number };

// Queues limits: a message at most 128 KB; sendBatch at most 100 messages and 256 KB. Ingest packs
// entries into messages of at most ~60 KB (under one 64 KB billing unit; the largest valid entry,
// an 8 KiB message of characters JSON escapes six-fold plus 4 KiB of attributes, is ~54 KB) and
// sendBatch calls of at most 240 KB, which leaves room for per-message overhead.
export const QUEUE_PACKING = { messageBytes: 60_000, batchBytes: 240_000, batchMessages: 100 } as const;

/** How a request's packed messages leave: straight to the queue, or with the request's admission. */
export type LogSender = (batches: OutgoingMessage[][]) => Promise<void>;

const asRequest = ({ body }: OutgoingMessage): MessageSendRequest<LogMessage> => ({ body, contentType: 'json' });

/** Whether a request's packed messages are one message (most requests are). */
export const isOneMessage = (batches: OutgoingMessage[][]) => batches.length === 1 && batches[0].length === 1;

/** Sends every batch; rejects unless all sends succeeded (then the client retries on a 500). */
export async function sendMessages(queue: Queue, batches: OutgoingMessage[][]): Promise<void> {
  // One message goes by send, which skips sendBatch's per-message wrapping.
  if (isOneMessage(batches)) await queue.send(batches[0][0].body, { contentType: 'json' });
  else await Promise.all(batches.map((batch) => queue.sendBatch(batch.map(asRequest))));
}

type Group = { messages: OutgoingMessage[]; bytes: number; sent: Promise<void> };

/**
 * Sends messages handed in one at a time, those handed in while a send is in flight together in the
 * next sendBatch (within its limits): under concurrency, one send carries many requests' messages.
 * Each message's promise settles with the send that carried it.
 */
export class MessageGroups {
  /** The group still taking messages, sent once the send before it has settled. */
  private open: Group | undefined;
  /** The last send started or scheduled. */
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly queue: Queue) {}

  send(message: OutgoingMessage): Promise<void> {
    const open = this.open;
    const fits =
      open !== undefined && open.messages.length < QUEUE_PACKING.batchMessages && open.bytes + message.bytes <= QUEUE_PACKING.batchBytes;
    const group = fits ? open : this.newGroup();
    group.messages.push(message);
    group.bytes += message.bytes;
    return group.sent;
  }

  private newGroup(): Group {
    const group: Group = { messages: [], bytes: 0, sent: Promise.resolve() };
    // A failed send fails only its own group's requests; the next group is still sent.
    group.sent = this.last
      .catch(() => {})
      .then(() => {
        if (this.open === group) this.open = undefined;
        return sendMessages(this.queue, [group.messages]);
      });
    this.open = group;
    this.last = group.sent;
    return group;
  }
}
