// Registration, email verification, login, the profile and the development outbox.
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app';
import { api, expectError, ORIGIN } from './support/http';
import { expectMailLeadsTo, latestMailedToken, signUp, uniqueEmail } from './support/users';

const PASSWORD = 'correct-horse-battery';
const register = (email: string, overrides: Record<string, unknown> = {}) =>
  api.post('/v1/auth/register', { email, password: PASSWORD, name: 'Ada Lovelace', ...overrides });
const outbox = async (email: string) => (await api.get(`/v1/dev/outbox?to=${encodeURIComponent(email)}`)).body.data as any[];

describe('register', () => {
  it('creates an unverified user and mails a verification link carrying the token', async () => {
    const email = uniqueEmail('ada');
    const res = await register(email);
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({
      id: expect.stringMatching(/^usr_/),
      email,
      name: 'Ada Lovelace',
      emailVerified: false,
      createdAt: expect.any(String),
    });
    const [mail] = await outbox(email);
    expect(mail).toMatchObject({ to: email, subject: expect.stringMatching(/verify/i), token: expect.stringMatching(/^ott_/) });
    await expectMailLeadsTo(mail, 'POST /v1/auth/verify-email', 'verifyEmail');
  });

  it('refuses an address that is already registered, whatever its case: 409 VALIDATION_ERROR', async () => {
    const email = uniqueEmail('dup');
    expect((await register(email)).status).toBe(201);
    expectError(await register(email), 409, 'VALIDATION_ERROR', 'User with this email already exists');
    expectError(await register(email.toUpperCase()), 409, 'VALIDATION_ERROR', 'User with this email already exists');
  });

  it('lets exactly one of two racing registrations of one address through', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all([register(email), register(email)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it.each([
    ['a missing required field', { name: undefined }, 'name'],
    ['an invalid email format', { email: 'not-an-email' }, 'email'],
    ['a password shorter than 8 characters', { password: 'short' }, 'password'],
  ])('answers %s with 400 VALIDATION_ERROR "Invalid input" and the field', async (_scenario, overrides, field) => {
    const res = await register(uniqueEmail('invalid'), overrides);
    expectError(res, 400, 'VALIDATION_ERROR', 'Invalid input');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('refuses unknown properties and malformed JSON', async () => {
    expectError(await register(uniqueEmail('extra'), { role: 'admin' }), 400, 'VALIDATION_ERROR', 'Invalid input');
    expectError(
      await api.post('/v1/auth/register', undefined, { rawBody: '{"email":', headers: { 'Content-Type': 'application/json' } }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('verify-email', () => {
  it('verifies the address without signing anyone in; the password signs in afterwards', async () => {
    const email = uniqueEmail('verify');
    await register(email);
    const res = await api.post('/v1/auth/verify-email', { token: await latestMailedToken(email) });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ message: 'Email verified; sign in to continue' });
    const session = await api.post('/v1/auth/login', { email, password: PASSWORD });
    expect(session.body.data.user).toMatchObject({ email, emailVerified: true });
  });

  it('takes each token once: reused or unknown tokens are 401 AUTH_FAILED "Invalid or expired token"', async () => {
    const email = uniqueEmail('once');
    await register(email);
    const token = await latestMailedToken(email);
    expect((await api.post('/v1/auth/verify-email', { token })).status).toBe(200);
    expectError(await api.post('/v1/auth/verify-email', { token }), 401, 'AUTH_FAILED', 'Invalid or expired token');
    expectError(await api.post('/v1/auth/verify-email', { token: 'ott_unknown' }), 401, 'AUTH_FAILED', 'Invalid or expired token');
  });

  it('gives exactly one success to two racing uses of one token', async () => {
    const email = uniqueEmail('race-verify');
    await register(email);
    const token = await latestMailedToken(email);
    const results = await Promise.all([api.post('/v1/auth/verify-email', { token }), api.post('/v1/auth/verify-email', { token })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('refuses a missing token with 400', async () => {
    expectError(await api.post('/v1/auth/verify-email', {}), 400, 'VALIDATION_ERROR', 'Invalid input');
  });
});

describe('login', () => {
  it('signs a verified user in with session tokens', async () => {
    const { email, password, user } = await signUp();
    const res = await api.post('/v1/auth/login', { email, password });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { id: user.id, email } });
    expect((await api.get('/v1/me', { token: res.body.data.accessToken })).body.data.id).toBe(user.id);
  });

  it('accepts the address in any case', async () => {
    const { email, password } = await signUp();
    expect((await api.post('/v1/auth/login', { email: email.toUpperCase(), password })).status).toBe(200);
  });

  it('refuses an unverified email with 403 FORBIDDEN "Email verification required"', async () => {
    const email = uniqueEmail('unverified');
    await register(email);
    expectError(await api.post('/v1/auth/login', { email, password: PASSWORD }), 403, 'FORBIDDEN', 'Email verification required');
  });

  it('answers a wrong password and an unknown email alike: 401 AUTH_FAILED "Invalid email or password"', async () => {
    const { email } = await signUp();
    const wrongPassword = await api.post('/v1/auth/login', { email, password: 'not-the-password' });
    const unknownEmail = await api.post('/v1/auth/login', { email: uniqueEmail('nobody'), password: 'not-the-password' });
    expectError(wrongPassword, 401, 'AUTH_FAILED', 'Invalid email or password');
    expectError(unknownEmail, 401, 'AUTH_FAILED', 'Invalid email or password');
    const shape = (body: any) => ({ ...body, error: { ...body.error, requestId: undefined }, meta: undefined });
    expect(shape(unknownEmail.body)).toEqual(shape(wrongPassword.body));
  });

  it('spends the same work on an unknown email as on a wrong password: one full PBKDF2 derivation', async () => {
    const { email } = await signUp();
    // The Worker runs in this isolate, so its WebCrypto calls can be counted (workerd freezes timers, so time cannot be measured).
    const deriveBits = vi.spyOn(crypto.subtle, 'deriveBits');
    try {
      await api.post('/v1/auth/login', { email, password: 'not-the-password' });
      const forWrongPassword = deriveBits.mock.calls.map(([params]) => (params as { iterations?: number }).iterations);
      deriveBits.mockClear();
      await api.post('/v1/auth/login', { email: uniqueEmail('nobody'), password: 'not-the-password' });
      const forUnknownEmail = deriveBits.mock.calls.map(([params]) => (params as { iterations?: number }).iterations);
      expect(forWrongPassword).toEqual([100_000]);
      expect(forUnknownEmail).toEqual(forWrongPassword);
    } finally {
      deriveBits.mockRestore();
    }
  });

  it('does not reveal whether an unverified account exists to someone without its password', async () => {
    const email = uniqueEmail('unverified-wrong');
    await register(email);
    expectError(await api.post('/v1/auth/login', { email, password: 'not-the-password' }), 401, 'AUTH_FAILED', 'Invalid email or password');
  });

  it('refuses a missing password and an invalid email with 400', async () => {
    expectError(await api.post('/v1/auth/login', { email: uniqueEmail() }), 400, 'VALIDATION_ERROR', 'Invalid input');
    expectError(await api.post('/v1/auth/login', { email: 'nope', password: 'x' }), 400, 'VALIDATION_ERROR', 'Invalid input');
  });
});

describe('me', () => {
  it('shows and renames the signed-in user', async () => {
    const { accessToken, user } = await signUp({ name: 'Ada Lovelace' });
    expect((await api.get('/v1/me', { token: accessToken })).body.data).toEqual(user);
    const renamed = await api.patch('/v1/me', { name: 'Ada King' }, { token: accessToken });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data).toEqual({ ...user, name: 'Ada King' });
    expect((await api.get('/v1/me', { token: accessToken })).body.data.name).toBe('Ada King');
  });

  it('validates the new name', async () => {
    const { accessToken } = await signUp();
    expectError(await api.patch('/v1/me', { name: '' }, { token: accessToken }), 400, 'VALIDATION_ERROR', 'Invalid input');
    expectError(await api.patch('/v1/me', {}, { token: accessToken }), 400, 'VALIDATION_ERROR', 'Invalid input');
  });

  it('requires a signed-in user', async () => {
    expectError(await api.get('/v1/me'), 401, 'UNAUTHORIZED', 'Authentication required');
    expectError(await api.patch('/v1/me', { name: 'x' }), 401, 'UNAUTHORIZED', 'Authentication required');
    expectError(await api.get('/v1/me/auth-methods'), 401, 'UNAUTHORIZED', 'Authentication required');
  });
});

describe('auth methods', () => {
  it('lists the password of a registered user', async () => {
    const { accessToken } = await signUp();
    const res = await api.get('/v1/me/auth-methods', { token: accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([{ method: 'password', linkedAt: expect.any(String) }]);
  });

  it('refuses to remove the last method with 403 FORBIDDEN "Cannot remove last auth method"', async () => {
    const { accessToken, email, password } = await signUp();
    expectError(
      await api.delete('/v1/me/auth-methods/password', { token: accessToken }),
      403,
      'FORBIDDEN',
      'Cannot remove last auth method',
    );
    expect((await api.post('/v1/auth/login', { email, password })).status).toBe(200);
  });

  it('answers 404 NOT_FOUND for a method the user does not have, 400 for one that does not exist', async () => {
    const { accessToken } = await signUp();
    expectError(await api.delete('/v1/me/auth-methods/github', { token: accessToken }), 404, 'NOT_FOUND', 'Resource not found');
    expectError(await api.delete('/v1/me/auth-methods/twitter', { token: accessToken }), 400, 'VALIDATION_ERROR', 'Invalid input');
  });
});

describe('the development outbox', () => {
  it('lists the mail sent to an address, newest first', async () => {
    const email = uniqueEmail('outbox');
    await register(email);
    await api.post('/v1/auth/magic-link', { email });
    const mails = await outbox(email);
    expect(mails.map((m) => m.subject)).toEqual([expect.stringMatching(/sign-in/i), expect.stringMatching(/verify/i)]);
    expect(await outbox(uniqueEmail('nobody'))).toEqual([]);
  });

  it('requires a valid `to` address', async () => {
    expectError(await api.get('/v1/dev/outbox'), 400, 'VALIDATION_ERROR', 'Invalid input');
    expectError(await api.get('/v1/dev/outbox?to=nope'), 400, 'VALIDATION_ERROR', 'Invalid input');
  });

  it('does not exist outside development: a plain 404 NOT_FOUND', async () => {
    const app = createApp();
    const res = await app.fetch(
      new Request(`${ORIGIN}/v1/dev/outbox?to=ada@example.com`, { headers: { 'CF-Connecting-IP': '203.0.113.10' } }),
      { ...env, ENVIRONMENT: 'production' },
    );
    expect(res.status).toBe(404);
    const body = await res.json<any>();
    expect(body).toMatchObject({
      success: false,
      data: null,
      error: { code: 'NOT_FOUND', message: 'Resource not found', requestId: res.headers.get('x-request-id') },
    });
  });
});
