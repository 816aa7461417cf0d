// Magic links and password resets: always-200 requests, single-use expiring tokens.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app';
import { api, expectError, ORIGIN } from './support/http';
import { expectMailLeadsTo, latestMailedToken, signUp, uniqueEmail } from './support/users';

const outbox = async (email: string) => (await api.get(`/v1/dev/outbox?to=${encodeURIComponent(email)}`)).body.data as any[];
const verifyMagicLink = (token: string) => api.post('/v1/auth/magic-link/verify', { token });
const resetPassword = (token: string, password: string) => api.post('/v1/auth/reset-password', { token, password });

/** Runs `fn` with the Worker's clock at `start`, then lets the test move it. */
function frozenClock() {
  vi.useFakeTimers({ toFake: ['Date'] });
  const start = Date.now();
  vi.setSystemTime(start);
  return { advanceTo: (ms: number) => vi.setSystemTime(start + ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('magic link', () => {
  it('answers known and unknown addresses with the same 200', async () => {
    const { email } = await signUp();
    const known = await api.post('/v1/auth/magic-link', { email });
    const unknown = await api.post('/v1/auth/magic-link', { email: uniqueEmail('stranger') });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(known.body.data).toEqual(unknown.body.data);
  });

  it('mails a link with the token and signs in with it once', async () => {
    const { email, user } = await signUp();
    await api.post('/v1/auth/magic-link', { email });
    const [mail] = await outbox(email);
    await expectMailLeadsTo(mail, 'POST /v1/auth/magic-link/verify', 'verifyMagicLink');
    const res = await verifyMagicLink(mail.token);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ tokenType: 'Bearer', user: { id: user.id, emailVerified: true } });
    expectError(await verifyMagicLink(mail.token), 401, 'AUTH_FAILED', 'Invalid or expired magic link');
  });

  it('creates a verified account for an address without one', async () => {
    const email = uniqueEmail('newcomer');
    await api.post('/v1/auth/magic-link', { email });
    const res = await verifyMagicLink(await latestMailedToken(email));
    expect(res.status).toBe(200);
    expect(res.body.data.user).toMatchObject({ id: expect.stringMatching(/^usr_/), email, emailVerified: true, name: expect.any(String) });
    // No password and no OAuth provider yet: nothing to list.
    expect((await api.get('/v1/me/auth-methods', { token: res.body.data.accessToken })).body.data).toEqual([]);
  });

  it('gives two first links for one new address, used at once, one account and two sessions', async () => {
    const email = uniqueEmail('twice');
    await api.post('/v1/auth/magic-link', { email });
    await api.post('/v1/auth/magic-link', { email });
    const tokens = (await outbox(email)).map((mail) => mail.token as string);
    expect(tokens).toHaveLength(2);
    const [first, second] = await Promise.all(tokens.map(verifyMagicLink));
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.data.user.id).toBe(first.body.data.user.id);
    expect(second.body.data.refreshToken).not.toBe(first.body.data.refreshToken);
  });

  it('verifies an unverified account but drops the password set before anyone proved the address', async () => {
    // Someone registers the victim's address first; the victim later signs in by magic link.
    const email = uniqueEmail('claimed');
    await api.post('/v1/auth/register', { email, password: 'attacker-chose-this', name: 'Squatter' });
    expectError(
      await api.post('/v1/auth/login', { email, password: 'attacker-chose-this' }),
      403,
      'FORBIDDEN',
      'Email verification required',
    );
    await api.post('/v1/auth/magic-link', { email });
    const session = await verifyMagicLink(await latestMailedToken(email));
    expect(session.body.data.user.emailVerified).toBe(true);
    expectError(
      await api.post('/v1/auth/login', { email, password: 'attacker-chose-this' }),
      401,
      'AUTH_FAILED',
      'Invalid email or password',
    );
    const methods = await api.get('/v1/me/auth-methods', { token: session.body.data.accessToken });
    expect(methods.body.data.map((m: { method: string }) => m.method)).not.toContain('password');
    // The owner sets a password of their own through the reset flow.
    await api.post('/v1/auth/forgot-password', { email });
    expect(
      (await api.post('/v1/auth/reset-password', { token: await latestMailedToken(email), password: 'owner-chose-this' })).status,
    ).toBe(200);
    expect((await api.post('/v1/auth/login', { email, password: 'owner-chose-this' })).status).toBe(200);
  });

  it('keeps the password of an account that was already verified', async () => {
    const { email, password } = await signUp();
    await api.post('/v1/auth/magic-link', { email });
    await verifyMagicLink(await latestMailedToken(email));
    expect((await api.post('/v1/auth/login', { email, password })).status).toBe(200);
  });

  it('expires after 15 minutes: 401 AUTH_FAILED "Invalid or expired magic link"', async () => {
    const clock = frozenClock();
    const email = uniqueEmail('slow');
    await api.post('/v1/auth/magic-link', { email });
    const token = await latestMailedToken(email);
    clock.advanceTo(15 * 60 * 1000 + 1000);
    expectError(await verifyMagicLink(token), 401, 'AUTH_FAILED', 'Invalid or expired magic link');
  });

  it('still works just before 15 minutes', async () => {
    const clock = frozenClock();
    const email = uniqueEmail('quick');
    await api.post('/v1/auth/magic-link', { email });
    const token = await latestMailedToken(email);
    clock.advanceTo(14 * 60 * 1000);
    expect((await verifyMagicLink(token)).status).toBe(200);
  });

  it('gives exactly one success to two racing uses', async () => {
    const email = uniqueEmail('race-magic');
    await api.post('/v1/auth/magic-link', { email });
    const token = await latestMailedToken(email);
    const results = await Promise.all([verifyMagicLink(token), verifyMagicLink(token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('does not take tokens mailed for another purpose', async () => {
    const email = uniqueEmail('purpose');
    await api.post('/v1/auth/register', { email, password: 'correct-horse-battery', name: 'P' });
    expectError(await verifyMagicLink(await latestMailedToken(email)), 401, 'AUTH_FAILED', 'Invalid or expired magic link');
  });

  it('validates its input', async () => {
    expectError(await api.post('/v1/auth/magic-link', { email: 'nope' }), 400, 'VALIDATION_ERROR', 'Invalid input');
    expectError(await api.post('/v1/auth/magic-link/verify', {}), 400, 'VALIDATION_ERROR', 'Invalid input');
  });
});

describe('forgot and reset password', () => {
  it('answers known and unknown addresses with the same 200, mailing only known ones', async () => {
    const { email } = await signUp();
    const stranger = uniqueEmail('stranger');
    const known = await api.post('/v1/auth/forgot-password', { email });
    const unknown = await api.post('/v1/auth/forgot-password', { email: stranger });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(known.body.data).toEqual(unknown.body.data);
    await expectMailLeadsTo((await outbox(email))[0], 'POST /v1/auth/reset-password', 'resetPassword');
    expect(await outbox(stranger)).toEqual([]);
  });

  it('sets the new password and signs out every session', async () => {
    const { email, password, refreshToken, accessToken } = await signUp();
    const other = await api.post('/v1/auth/login', { email, password });
    await api.post('/v1/auth/forgot-password', { email });
    const res = await resetPassword(await latestMailedToken(email), 'a-brand-new-password');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ message: 'Password updated; all sessions were signed out' });
    expectError(await api.post('/v1/auth/refresh', { refreshToken }), 401, 'UNAUTHORIZED', 'Invalid token');
    expectError(await api.post('/v1/auth/refresh', { refreshToken: other.body.data.refreshToken }), 401, 'UNAUTHORIZED', 'Invalid token');
    // Access tokens of those sessions end at once, not when they expire.
    for (const token of [accessToken, other.body.data.accessToken])
      expectError(await api.get('/v1/me', { token }), 401, 'UNAUTHORIZED', 'Invalid token');
    expectError(await api.post('/v1/auth/login', { email, password }), 401, 'AUTH_FAILED', 'Invalid email or password');
    expect((await api.post('/v1/auth/login', { email, password: 'a-brand-new-password' })).status).toBe(200);
  });

  it('takes each token once: 401 AUTH_FAILED "Invalid or expired token"', async () => {
    const { email } = await signUp();
    await api.post('/v1/auth/forgot-password', { email });
    const token = await latestMailedToken(email);
    expect((await resetPassword(token, 'first-new-password')).status).toBe(200);
    expectError(await resetPassword(token, 'second-new-password'), 401, 'AUTH_FAILED', 'Invalid or expired token');
    expectError(await resetPassword('ott_unknown', 'second-new-password'), 401, 'AUTH_FAILED', 'Invalid or expired token');
  });

  it('gives exactly one success to two racing uses', async () => {
    const { email } = await signUp();
    await api.post('/v1/auth/forgot-password', { email });
    const token = await latestMailedToken(email);
    const results = await Promise.all([resetPassword(token, 'racing-password-one'), resetPassword(token, 'racing-password-two')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('expires after an hour', async () => {
    const clock = frozenClock();
    const { email } = await signUp();
    await api.post('/v1/auth/forgot-password', { email });
    const token = await latestMailedToken(email);
    clock.advanceTo(60 * 60 * 1000 + 1000);
    expectError(await resetPassword(token, 'too-late-password'), 401, 'AUTH_FAILED', 'Invalid or expired token');
  });

  it('gives a password to an account that had none', async () => {
    const email = uniqueEmail('passwordless');
    await api.post('/v1/auth/magic-link', { email });
    const session = await verifyMagicLink(await latestMailedToken(email));
    await api.post('/v1/auth/forgot-password', { email });
    expect((await resetPassword(await latestMailedToken(email), 'first-ever-password')).status).toBe(200);
    // The reset signed out the magic-link session; the new password signs in.
    expectError(await api.get('/v1/me', { token: session.body.data.accessToken }), 401, 'UNAUTHORIZED', 'Invalid token');
    const login = await api.post('/v1/auth/login', { email, password: 'first-ever-password' });
    expect(login.status).toBe(200);
    const methods = await api.get('/v1/me/auth-methods', { token: login.body.data.accessToken });
    expect(methods.body.data.map((m: any) => m.method)).toEqual(['password']);
  });

  it('validates its input: a short password is 400 "Invalid input"', async () => {
    const { email } = await signUp();
    await api.post('/v1/auth/forgot-password', { email });
    const res = await resetPassword(await latestMailedToken(email), 'short');
    expectError(res, 400, 'VALIDATION_ERROR', 'Invalid input');
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'password' })]);
    expectError(await api.post('/v1/auth/forgot-password', {}), 400, 'VALIDATION_ERROR', 'Invalid input');
  });
});

describe('mail outside development', () => {
  // Outside development the Worker mails through MAIL_API_URL (here the fake mail API of test/support/fake-providers.ts).
  // Returns once the work left running past the response (the mail of the email flows) is done.
  const postAs = async (bindings: Partial<Env>, path: string, body: unknown) => {
    const ctx = createExecutionContext();
    const res = await createApp().fetch(
      new Request(`${ORIGIN}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': '203.0.113.10' },
        body: JSON.stringify(body),
      }),
      { ...env, ENVIRONMENT: 'production', ...bindings },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return res;
  };
  // A request id or timestamp may contain "401" by chance; only the rest can leak the mail API's answer.
  const withoutRandomFields = (text: string) => text.replace(/"(requestId|timestamp)":"[^"]*"/g, '');
  const outboxCount = (email: string) =>
    env.DB.prepare('SELECT COUNT(*) AS n FROM outbox WHERE recipient = ?').bind(email).first<number>('n');

  it('sends through the HTTP mail API, not the outbox', async () => {
    const email = uniqueEmail('production');
    const res = await postAs({}, '/v1/auth/register', { email, password: 'correct-horse-battery', name: 'Prod' });
    expect(res.status).toBe(201);
    expect((await postAs({}, '/v1/auth/magic-link', { email })).status).toBe(200);
    expect(await outboxCount(email)).toBe(0);
  });

  it('answers a generic 500 when the mail API refuses the verification mail, leaking nothing of it', async () => {
    const res = await postAs({ MAIL_API_KEY: 'revoked-key' }, '/v1/auth/register', {
      email: uniqueEmail('refused'),
      password: 'correct-horse-battery',
      name: 'R',
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text).error).toMatchObject({ code: 'INTERNAL_ERROR', message: 'Internal server error' });
    expect(withoutRandomFields(text)).not.toMatch(/mail API|401|unauthorized/i);
  });

  it('answers magic-link and forgot-password before mailing, so a refused mail is only logged', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { email } = await signUp();
    for (const [path, what] of [
      ['/v1/auth/magic-link', 'magic-link mail failed'],
      ['/v1/auth/forgot-password', 'password-reset mail failed'],
    ]) {
      const res = await postAs({ MAIL_API_KEY: 'revoked-key' }, path, { email });
      expect(res.status).toBe(200);
      expect(withoutRandomFields(await res.text())).not.toMatch(/mail API|401|unauthorized/i);
      expect(logged.mock.calls.map(([line]) => JSON.parse(String(line)).message)).toContain(what);
    }
  });
});

describe('secrets never leave the server', () => {
  it('no response carries a password hash, token hash or salt, and storage keeps only hashes', async () => {
    const texts: string[] = [];
    const keep = <T extends { text: string }>(res: T) => (texts.push(res.text), res);
    const email = uniqueEmail('secrets');
    keep(await api.post('/v1/auth/register', { email, password: 'correct-horse-battery', name: 'S' }));
    const verifyToken = await latestMailedToken(email);
    keep(await api.post('/v1/auth/verify-email', { token: verifyToken }));
    const session = keep(await api.post('/v1/auth/login', { email, password: 'correct-horse-battery' }));
    const token = session.body.data.accessToken;
    keep(await api.post('/v1/auth/refresh', { refreshToken: session.body.data.refreshToken }));
    keep(await api.get('/v1/me', { token }));
    keep(await api.patch('/v1/me', { name: 'S2' }, { token }));
    keep(await api.get('/v1/me/auth-methods', { token }));
    keep(await api.post('/v1/auth/magic-link', { email }));
    keep(await api.post('/v1/auth/forgot-password', { email }));

    const user = await env.DB.prepare('SELECT password_hash FROM users WHERE email = ?').bind(email).first<{ password_hash: string }>();
    const [, , salt, hash] = user!.password_hash.split('$');
    const tokenHashes = (
      await env.DB.prepare('SELECT token_hash FROM one_time_tokens WHERE email = ?').bind(email).all<{ token_hash: string }>()
    ).results;
    const refreshHashes = (await env.DB.prepare('SELECT token_hash FROM refresh_tokens').all<{ token_hash: string }>()).results;
    for (const text of texts) {
      expect(text).not.toMatch(/pbkdf2|password_?hash|token_?hash|salt/i);
      for (const secret of [salt, hash, ...tokenHashes.map((r) => r.token_hash), ...refreshHashes.map((r) => r.token_hash)])
        expect(text).not.toContain(secret);
    }
    // Stored hashed: the mailed token is not in the table.
    expect(tokenHashes.some((r) => r.token_hash === verifyToken)).toBe(false);
  });
});
