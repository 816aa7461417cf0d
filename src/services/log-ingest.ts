// POST /v1/logs (and the OTLP export): check what the schema cannot, assign ids, enqueue. 202 means
// "sent to the queue".
import type { z } from 'zod';
import type { zIngestLogsBody, zLogEntryInput } from '../../generated/zod/zod.gen';
import { ApiError, type ErrorDetail } from '../lib/errors';
import { canonicalTime, type LogMessage, newLogIds, type QueuedEntry } from '../model/logs';
import { type LogSender, type OutgoingMessage, QUEUE_PACKING } from '../queue/send';
import { claimIdempotencyKey, markQueued } from '../repositories/ingest-idempotency';

export type IngestBody = z.infer<typeof zIngestLogsBody>;
export type EntryInput = z.infer<typeof zLogEntryInput>;

const KiB = 1024;
const MAX_MESSAGE_BYTES = 8 * KiB;
const MAX_ATTRIBUTES_BYTES = 4 * KiB;
const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;

const encoder = new TextEncoder();
const utf8Bytes = (text: string) => encoder.encode(text).byteLength;
/**
 * Whether `text` takes more than `limit` bytes as UTF-8. A UTF-16 code unit is 1 to 3 bytes, so
 * the length alone answers for most texts; only the rest are encoded.
 */
const exceedsBytes = (text: string, limit: number) => text.length > limit || (text.length * 3 > limit && utf8Bytes(text) > limit);

/**
 * The contract's limits that the generated schema cannot check: the message's 8 KiB are bytes
 * (the schema counts characters), attributes' 4 KiB as JSON, and timestamps at most 24 hours ahead.
 */
export function limitViolations(entry: EntryInput, field: (name: string) => string, nowMs: number): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (exceedsBytes(entry.message, MAX_MESSAGE_BYTES))
    problems.push({ field: field('message'), issue: 'Too big: expected at most 8192 bytes (UTF-8)' });
  if (entry.timestamp && Date.parse(entry.timestamp) > nowMs + MAX_FUTURE_MS) {
    problems.push({ field: field('timestamp'), issue: 'Too far in the future: at most 24 hours ahead' });
  }
  if (entry.attributes && exceedsBytes(JSON.stringify(entry.attributes), MAX_ATTRIBUTES_BYTES)) {
    problems.push({ field: field('attributes'), issue: 'Too big: expected at most 4096 bytes as JSON' });
  }
  return problems;
}

/** The request's Idempotency-Key and the digest of its decompressed body. */
export type Idempotency = { key: string; bodySha256: string };

/**
 * Accepts one entry or a batch for the project: every entry is queued under its id, or nothing is
 * answered 202. With an Idempotency-Key, a repeat of the same body gets the first answer.
 */
export async function ingestLogs(
  env: Env,
  send: LogSender,
  projectId: string,
  body: IngestBody,
  idempotency?: Idempotency,
): Promise<{ accepted: number; ids: string[] }> {
  const batch = 'entries' in body;
  const inputs = batch ? body.entries : [body];
  // A single entry's fields are top-level; a batch's are named by index (entries.3.message).
  const fieldOf = (index: number) => (name: string) => (batch ? `entries.${index}.${name}` : name);
  const nowMs = Date.now();
  const problems = inputs.flatMap((entry, index) => limitViolations(entry, fieldOf(index), nowMs));
  if (problems.length > 0) throw ApiError.of('invalidInput', problems);

  const fresh = { receivedMs: nowMs, ids: newLogIds(inputs.length, nowMs) };
  if (!idempotency) {
    await queueEntries(send, projectId, inputs, fresh);
    return { accepted: inputs.length, ids: fresh.ids };
  }
  const record = await claimIdempotencyKey(env.DB, projectId, idempotency.key, {
    ...fresh,
    bodySha256: idempotency.bodySha256,
    queued: false,
  });
  if (record.bodySha256 !== idempotency.bodySha256) throw ApiError.of('idempotencyKeyReused');
  // Until a send has fully succeeded (the first attempt, or a retry after one that failed, perhaps
  // halfway), queue the entries as the same messages (same ids and receive time, so the same
  // packing), marked resendable so that the consumer stores each once whichever copy arrives first;
  // once queued, a repeat only gets the answer.
  if (!record.queued) {
    await queueEntries(send, projectId, inputs, { ...record, resendable: true });
    await markQueued(env.DB, projectId, idempotency.key);
  }
  return { accepted: record.ids.length, ids: record.ids };
}

/** Queues valid entries of one project under the given ids, stamped with the receive time. */
export async function queueEntries(
  send: LogSender,
  projectId: string,
  inputs: EntryInput[],
  { receivedMs, ids, resendable }: { receivedMs: number; ids: string[]; resendable?: true },
): Promise<void> {
  const receivedAt = new Date(receivedMs).toISOString();
  const entries: QueuedEntry[] = inputs.map((input, index) => ({
    id: ids[index],
    level: input.level,
    message: input.message,
    ...(input.service === undefined ? {} : { service: input.service }),
    timestamp: input.timestamp ? canonicalTime(input.timestamp) : receivedAt,
    attributes: input.attributes ?? {},
  }));
  await send(packMessages({ v: 1, projectId, receivedAt, entries, ...(resendable ? { resendable } : {}) }));
}

/** Splits a request's entries into queue messages, and those into sendBatch calls, within the limits. */
function packMessages(message: LogMessage): OutgoingMessage[][] {
  // Most requests fit one message: measured whole, once, rather than entry by entry. Its size is
  // bounded by 3 bytes a UTF-16 code unit unless counted exactly.
  const whole = JSON.stringify(message);
  if (!exceedsBytes(whole, QUEUE_PACKING.messageBytes))
    return [[{ body: message, bytes: Math.min(whole.length * 3, QUEUE_PACKING.messageBytes) }]];
  const envelopeBytes = utf8Bytes(JSON.stringify({ ...message, entries: [] }));
  const messages: OutgoingMessage[] = [];
  let current: OutgoingMessage | undefined;
  for (const entry of message.entries) {
    const bytes = utf8Bytes(JSON.stringify(entry)) + 1; // + the separating comma
    if (!current || current.bytes + bytes > QUEUE_PACKING.messageBytes) {
      current = { body: { ...message, entries: [] }, bytes: envelopeBytes };
      messages.push(current);
    }
    current.body.entries.push(entry);
    current.bytes += bytes;
  }

  const batches: OutgoingMessage[][] = [];
  let batchBytes = Infinity;
  for (const message of messages) {
    const last = batches[batches.length - 1];
    if (!last || last.length === QUEUE_PACKING.batchMessages || batchBytes + message.bytes > QUEUE_PACKING.batchBytes) {
      batches.push([message]);
      batchBytes = message.bytes;
    } else {
      last.push(message);
      batchBytes += message.bytes;
    }
  }
  return batches;
}
