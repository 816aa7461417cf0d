import { nowIso } from '../lib/clock';

// The development outbox: what the outbox mailer "sent".

export type OutboxRow = { recipient: string; subject: string; body: string; token: string | null; sent_at: string };

export const insertOutboxMessage = (db: D1Database, message: { to: string; subject: string; text: string; token?: string }) =>
  db
    .prepare('INSERT INTO outbox (recipient, subject, body, token, sent_at) VALUES (?, ?, ?, ?, ?)')
    .bind(message.to, message.subject, message.text, message.token ?? null, nowIso())
    .run();

/** The newest messages to one address (recipient is COLLATE NOCASE). */
export const listOutboxFor = (db: D1Database, to: string, limit = 50) =>
  db
    .prepare('SELECT recipient, subject, body, token, sent_at FROM outbox WHERE recipient = ? ORDER BY id DESC LIMIT ?')
    .bind(to, limit)
    .all<OutboxRow>()
    .then((result) => result.results);
