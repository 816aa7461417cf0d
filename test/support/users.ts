// Signed-up, verified users for any test that needs one: register → read the mail → verify-email → login.
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { z } from 'zod';
import type { zSession } from '../../generated/zod/zod.gen';
import { api } from './http';

type Session = z.infer<typeof zSession>;
export type SignedUpUser = Pick<Session, 'user' | 'accessToken' | 'refreshToken'> & { email: string; password: string };

/** A unique address on every call, so that tests sharing storage never collide. */
export const uniqueEmail = (label = 'user') => `${label}-${crypto.randomUUID().slice(0, 12)}@example.com`;

/** The newest one-time token mailed to `email` (from the development outbox). */
export async function latestMailedToken(email: string): Promise<string> {
  const res = await api.get(`/v1/dev/outbox?to=${encodeURIComponent(email)}`);
  const token = res.body?.data?.[0]?.token;
  if (res.status !== 200 || typeof token !== 'string') throw new Error(`no mailed token for ${email}: ${res.text.slice(0, 300)}`);
  return token;
}

function expectStatus(res: { status: number; text: string }, status: number, step: string) {
  if (res.status !== status) throw new Error(`signUp: ${step} answered ${res.status}: ${res.text.slice(0, 300)}`);
}

export async function signUp(overrides: { email?: string; name?: string; password?: string } = {}): Promise<SignedUpUser> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? 'correct-horse-battery';
  const name = overrides.name ?? 'Test User';
  expectStatus(await api.post('/v1/auth/register', { email, password, name }), 201, 'register');
  expectStatus(await api.post('/v1/auth/verify-email', { token: await latestMailedToken(email) }), 200, 'verify-email');
  const session = await api.post('/v1/auth/login', { email, password });
  expectStatus(session, 200, 'login');
  const { user, accessToken, refreshToken }: Session = session.body.data;
  return { user, accessToken, refreshToken, email, password };
}

/**
 * A mail from the email flows: it carries its token, names the API call that takes it, and links to
 * that call's place in the reference, a page this Worker serves (test/node/docs-browser.test.ts
 * follows such a link in a browser).
 */
export async function expectMailLeadsTo(mail: { text: string; token: string }, call: string, operationId: string): Promise<void> {
  const link = `${env.PUBLIC_BASE_URL}/docs#/auth/${operationId.toLowerCase()}`;
  expect(mail.text).toContain(mail.token);
  expect(mail.text).toContain(call);
  expect(mail.text).toContain(link);
  const page = await api.get(new URL(link).pathname);
  expect(page.status).toBe(200);
  expect(page.text).toContain(`"operationId":"${operationId}"`);
}
