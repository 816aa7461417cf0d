import type { z } from 'zod';
import type { zOutboxMessage } from '../../generated/zod/zod.gen';
import { nowIso } from '../lib/clock';

// The development outbox: what the outbox mailer "sent".

export type OutboxMessage = z.infer<typeof zOutboxMessage>;

type OutboxRow = { recipient: string; subject: string; body: string; token: string | null; sent_at: string };

const toOutboxMessage = (row: OutboxRow): OutboxMessage => ({
  to: row.recipient,
  subject: row.subject,
  text: row.body,
  ...(row.token ? { token: row.token } : {}),
  sentAt: row.sent_at,
});

export async function insertOutboxMessage(db: D1Database, message: Omit<OutboxMessage, 'sentAt'>): Promise<void> {
  await db
    .prepare('INSERT INTO outbox (recipient, subject, body, token, sent_at) VALUES (?, ?, ?, ?, ?)')
    .bind(message.to, message.subject, message.text, message.token ?? null, nowIso())
    .run();
}

/** The newest messages to one address (recipient is COLLATE NOCASE). */
export async function listOutboxFor(db: D1Database, to: string, limit = 50): Promise<OutboxMessage[]> {
  const { results } = await db
    .prepare('SELECT recipient, subject, body, token, sent_at FROM outbox WHERE recipient = ? ORDER BY id DESC LIMIT ?')
    .bind(to, limit)
    .all<OutboxRow>();
  return results.map(toOutboxMessage);
}
