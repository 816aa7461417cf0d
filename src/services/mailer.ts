import { insertOutboxMessage, listOutboxFor } from '../repositories/outbox';

type Mail = { to: string; subject: string; text: string /** The one-time token the mail carries, if any. */; token?: string };

/** The one way the API sends email. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** Development and tests: mail lands in the D1 outbox, readable at GET /v1/dev/outbox. */
class OutboxMailer implements Mailer {
  constructor(private readonly db: D1Database) {}

  async send(mail: Mail): Promise<void> {
    await insertOutboxMessage(this.db, mail);
  }
}

/** What the outbox holds for one address, newest first, as GET /v1/dev/outbox shows it. */
export const readOutbox = (db: D1Database, to: string) => listOutboxFor(db, to);

/**
 * Production: an HTTP mail API (`POST MAIL_API_URL` with a bearer key and `{ from, to, subject, text }`,
 * the shape Resend and similar providers take).
 */
class HttpMailer implements Mailer {
  constructor(private readonly config: { url: string; apiKey: string; from: string }) {}

  async send(mail: Mail): Promise<void> {
    if (!this.config.url) throw new Error('MAIL_API_URL is not configured');
    const response = await fetch(this.config.url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.config.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: this.config.from, to: mail.to, subject: mail.subject, text: mail.text }),
    });
    // The provider's answer is for the logs only; the client gets a generic 500.
    if (!response.ok) throw new Error(`mail API answered ${response.status}`);
  }
}

type MailEnv = Pick<Env, 'ENVIRONMENT' | 'DB' | 'MAIL_API_URL' | 'MAIL_API_KEY' | 'MAIL_FROM'>;

/** The outbox only where it can be read (development); real mail everywhere else. */
export const mailerFor = (env: MailEnv): Mailer =>
  env.ENVIRONMENT === 'development'
    ? new OutboxMailer(env.DB)
    : new HttpMailer({ url: env.MAIL_API_URL, apiKey: env.MAIL_API_KEY, from: env.MAIL_FROM });
