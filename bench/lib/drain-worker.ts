// Bench-only Worker for the consumer's drain rate in workerd: it hands synthetic deliveries to
// Loglane's own queue consumer (src/queue/consumer.ts) against real local D1 and KV, and, as the
// baseline, inserts the same rows with a plain D1 batch (one INSERT per row, no index, no KV).

import type { LogMessage } from '../../src/model/logs';
import { consumeLogBatch } from '../../src/queue/consumer';

// The live-tail fan-out the consumer hands stored entries to.
export { LogTail } from '../../src/tail/log-tail';

/** `attempts` > 1 marks the messages as redelivered, as the queue does. */
type Body = { messages: LogMessage[]; attempts: number };

function batchOf(messages: LogMessage[], attempts: number): MessageBatch<unknown> {
  const acked = { n: 0, retried: 0 };
  return {
    queue: 'bench',
    messages: messages.map((body, i) => ({
      id: `m${i}`,
      timestamp: new Date(),
      attempts,
      body,
      ack: () => void acked.n++,
      retry: () => void acked.retried++,
    })),
    ackAll() {},
    retryAll() {},
    acked,
  } as unknown as MessageBatch<unknown>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const { messages, attempts } = (await request.json()) as Body;
    const entries = messages.reduce((n, m) => n + m.entries.length, 0);
    if (url.pathname === '/consume') {
      const batch = batchOf(messages, attempts);
      await consumeLogBatch(batch, env);
      const { acked } = batch as unknown as { acked: { n: number; retried: number } };
      return Response.json({ entries, acked: acked.n, retried: acked.retried });
    }
    if (url.pathname === '/raw') {
      await env.DB.prepare(
        'CREATE TABLE IF NOT EXISTS raw_entries (id TEXT, project_id TEXT, level TEXT, message TEXT, timestamp TEXT, received_at TEXT, attributes TEXT)',
      ).run();
      const insert = env.DB.prepare('INSERT INTO raw_entries VALUES (?, ?, ?, ?, ?, ?, ?)');
      await env.DB.batch(
        messages.flatMap((m) =>
          m.entries.map((e) => insert.bind(e.id, m.projectId, e.level, e.message, e.timestamp, m.receivedAt, JSON.stringify(e.attributes))),
        ),
      );
      return Response.json({ entries });
    }
    return new Response('not found', { status: 404 });
  },
};
