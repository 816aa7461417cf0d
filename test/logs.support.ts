// Helpers for the log tests: ingest through the app with a queue we can see into, and deliver
// the captured messages to the consumer ourselves (deterministic, unlike local queue delivery).
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { createApp } from '../src/app';
import { decodeBlock } from '../src/blocks/format';
import entry from '../src/index';
import type { LogEntry, LogMessage } from '../src/model/logs';
import type { PurgeMessage } from '../src/retention/purge';
import { assertMatchesContract } from './support/contract';
import { type ApiResponse, api, ORIGIN } from './support/http';

/** The Worker's handlers, called as the runtime would (with an execution context). */
export const worker = entry as ExportedHandler<Env>;

const encoder = new TextEncoder();

/**
 * A LOG_QUEUE stand-in that records what is sent and enforces the Queues limits: sendBatch at
 * most 100 messages and 256 KB, each message at most 128 KB (as JSON). `sendBatches` has a count of
 * messages per call (send is a call of one).
 */
export function capturingQueue(options: { failSends?: number; failCall?: number } = {}) {
  const sent: LogMessage[] = [];
  const sendBatches: number[] = [];
  let failures = options.failSends ?? 0;
  let calls = 0;
  const take = (batch: LogMessage[]) => {
    if (failures-- > 0 || calls++ === options.failCall) throw new Error('Queue send failed');
    const sizes = batch.map((body) => encoder.encode(JSON.stringify(body)).byteLength);
    expect(batch.length).toBeLessThanOrEqual(100);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(128 * 1000);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(256 * 1000);
    sendBatches.push(batch.length);
    sent.push(...batch);
  };
  const queue = {
    async send(body: LogMessage, options?: QueueSendOptions) {
      expect(options?.contentType).toBe('json');
      take([body]);
    },
    async sendBatch(messages: Iterable<MessageSendRequest<LogMessage>>) {
      const batch = [...messages];
      for (const message of batch) expect(message.contentType).toBe('json');
      take(batch.map((message) => message.body));
    },
  };
  return { queue: queue as unknown as Queue, sent, sendBatches };
}

/** A request to the app with this env (contract-checked like every other test request). */
export async function fetchWithEnv(
  testEnv: Env,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; rawBody?: BodyInit; headers?: Record<string, string> } = {},
): Promise<ApiResponse & { bytes: Uint8Array }> {
  const url = `${ORIGIN}${path}`;
  const headers = new Headers({ 'CF-Connecting-IP': '203.0.113.20', ...options.headers });
  if (options.token) headers.set('Authorization', `Bearer ${options.token}`);
  if (options.body !== undefined) headers.set('Content-Type', 'application/json');
  const res = await createApp().fetch(
    new Request(url, { method, headers, body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) }),
    testEnv,
    createExecutionContext(),
  );
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  const body = res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text;
  assertMatchesContract(method, url, res.status, res.headers, body);
  return { status: res.status, headers: res.headers, body, text, bytes };
}

let deliveries = 0;
/** Delivers messages to the Worker's queue handler as one batch; returns which were acked or retried. */
export async function deliver(bodies: LogMessage[], options: { env?: Env; ids?: string[]; attempts?: number } = {}) {
  const ids = options.ids ?? bodies.map(() => `msg-${deliveries++}`);
  const batch = createMessageBatch<LogMessage>(
    'loglane-logs',
    bodies.map((body, i) => ({ id: ids[i], timestamp: new Date(), attempts: options.attempts ?? 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue!(batch as MessageBatch<unknown>, options.env ?? env, ctx);
  const result = await getQueueResult(batch, ctx);
  const retried = new Set<string>(result.retryMessages.map((m: { msgId: string }) => m.msgId));
  return { ids, result, retried: bodies.filter((_, i) => retried.has(ids[i])), retriedIds: ids.filter((id) => retried.has(id)) };
}

/** POSTs entries with a capturing queue, then stores them by delivering the captured messages. */
export async function ingestAndStore(secret: string, body: unknown): Promise<string[]> {
  const { queue, sent } = capturingQueue();
  const res = await fetchWithEnv({ ...env, LOG_QUEUE: queue }, 'POST', '/v1/logs', { body, token: secret });
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${res.text.slice(0, 300)}`);
  const { retried } = await deliver(sent);
  expect(retried).toEqual([]);
  return res.body.data.ids;
}

/** The log shard a project was placed on (also once it is deleted, until purged). */
export async function shardOf(projectId: string): Promise<'LOGS_0' | 'LOGS_1'> {
  const row = await env.DB.prepare(
    'SELECT log_shard AS shard FROM projects WHERE id = ?1 UNION ALL SELECT log_shard FROM deleted_projects WHERE project_id = ?1',
  )
    .bind(projectId)
    .first<{ shard: 'LOGS_0' | 'LOGS_1' }>();
  if (!row) throw new Error(`no shard recorded for ${projectId}`);
  return row.shard;
}

/** Every entry a shard holds for the project, decoded from its blocks (oldest block first). */
export async function storedEntries(projectId: string, shard?: 'LOGS_0' | 'LOGS_1'): Promise<LogEntry[]> {
  const db = env[shard ?? (await shardOf(projectId))];
  const { results } = await db
    .prepare('SELECT data FROM log_blocks WHERE project_id = ? ORDER BY max_ts, id')
    .bind(projectId)
    .all<{ data: number[] }>();
  return (await Promise.all(results.map((row) => decodeBlock(row.data)))).flat();
}

/** The project's stored entries, counted in its shard. */
export const storedCount = async (projectId: string) => (await storedEntries(projectId)).length;

/** Runs a deleted project's purge to the end through the queue handler, chunk message after chunk message; returns the number of messages. */
export async function purgeNow(projectIds: string[]): Promise<number> {
  let pending: PurgeMessage[] = projectIds.map((projectId) => ({ v: 1, projectId }));
  let messages = 0;
  while (pending.length > 0) {
    const next: PurgeMessage[] = [];
    const queue = {
      send: async (body: PurgeMessage) => void next.push(body),
      sendBatch: async (batch: { body: PurgeMessage }[]) => void next.push(...batch.map((m) => m.body)),
    };
    const batch = createMessageBatch<PurgeMessage>(
      'loglane-purge',
      pending.map((body) => ({ id: `purge-${messages++}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await worker.queue!(batch as MessageBatch<unknown>, { ...env, PURGE_QUEUE: queue as unknown as Queue }, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages).toEqual([]);
    pending = next;
  }
  return messages;
}

/**
 * Every page of a `GET /v1/logs?<query>`, following meta.nextCursor until it is absent. Each page
 * must be a 200, and a walk past 100 pages fails instead of hanging.
 */
export async function logPages(secret: string, query: string): Promise<ApiResponse[]> {
  const pages: ApiResponse[] = [];
  let cursor: string | undefined;
  do {
    const res = await api.get(`/v1/logs?${query}${cursor ? `&cursor=${cursor}` : ''}`, { token: secret });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pages.push(res);
    expect(pages.length).toBeLessThan(100);
    cursor = res.body.meta.nextCursor;
  } while (cursor);
  return pages;
}
