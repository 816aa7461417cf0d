// Access tokens (JWT) and refresh tokens: verification, expiry, rotation, reuse detection, logout.
import { env } from 'cloudflare:workers';
import { sign } from 'hono/jwt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { base64url, fromBase64url } from '../src/lib/base64url';
import { api, expectError } from './support/http';
import { signUp } from './support/users';

const b64url = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));
const decodePart = (part: string) => JSON.parse(new TextDecoder().decode(fromBase64url(part)));
const claimsFor = (userId: string) => {
  const iat = Math.floor(Date.now() / 1000);
  return { sub: userId, sid: 'ses_test', iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, iat, exp: iat + 900 };
};
const me = (token: string) => api.get('/v1/me', { token });
const refresh = (refreshToken: string) => api.post('/v1/auth/refresh', { refreshToken });

afterEach(() => {
  vi.useRealTimers();
});

describe('access tokens', () => {
  it('are HS256 JWTs for 15 minutes with issuer, audience, subject and session', async () => {
    const { accessToken, user } = await signUp();
    const [header, payload] = accessToken.split('.').slice(0, 2).map(decodePart);
    expect(header).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ sub: user.id, sid: expect.stringMatching(/^ses_/), iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE });
    expect(payload.exp - payload.iat).toBe(900);
  });

  it('answers a missing Authorization header with "Authentication required"', async () => {
    expectError(await api.get('/v1/me'), 401, 'UNAUTHORIZED', 'Authentication required');
  });

  it('refuses a token signed with another key: "Invalid token"', async () => {
    const { user } = await signUp();
    const forged = await sign(claimsFor(user.id), 'some-other-secret-0123456789abcdef0123', 'HS256');
    expectError(await me(forged), 401, 'UNAUTHORIZED', 'Invalid token');
  });

  it('refuses alg:none and any algorithm other than the pinned one: "Invalid token"', async () => {
    const { user } = await signUp();
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claimsFor(user.id))}.`;
    expectError(await me(unsigned), 401, 'UNAUTHORIZED', 'Invalid token');
    const hs512 = await sign(claimsFor(user.id), env.JWT_SECRET, 'HS512');
    expectError(await me(hs512), 401, 'UNAUTHORIZED', 'Invalid token');
  });

  it('refuses a wrong issuer or audience, and garbage: "Invalid token"', async () => {
    const { user } = await signUp();
    expectError(
      await me(await sign({ ...claimsFor(user.id), iss: 'someone-else' }, env.JWT_SECRET, 'HS256')),
      401,
      'UNAUTHORIZED',
      'Invalid token',
    );
    expectError(
      await me(await sign({ ...claimsFor(user.id), aud: 'another-api' }, env.JWT_SECRET, 'HS256')),
      401,
      'UNAUTHORIZED',
      'Invalid token',
    );
    expectError(await me('not.a.jwt'), 401, 'UNAUTHORIZED', 'Invalid token');
  });

  it('expire after 15 minutes: "Token expired"', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = new Date();
    vi.setSystemTime(start);
    const { accessToken } = await signUp();
    vi.setSystemTime(start.getTime() + 14 * 60 * 1000);
    expect((await me(accessToken)).status).toBe(200);
    vi.setSystemTime(start.getTime() + 16 * 60 * 1000);
    expectError(await me(accessToken), 401, 'UNAUTHORIZED', 'Token expired');
  });

  it('are judged by their time claims on every use, even after verifying once (the isolate remembers verified tokens)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = new Date();
    vi.setSystemTime(start);
    const { accessToken } = await signUp();
    expect((await me(accessToken)).status).toBe(200);
    // A clock before the token's issue time: a fresh verification refuses it, so must a remembered one.
    vi.setSystemTime(start.getTime() - 60 * 1000);
    expectError(await me(accessToken), 401, 'UNAUTHORIZED', 'Invalid token');
    vi.setSystemTime(start);
    expect((await me(accessToken)).status).toBe(200);
    vi.setSystemTime(start.getTime() + 15 * 60 * 1000);
    expectError(await me(accessToken), 401, 'UNAUTHORIZED', 'Token expired');
  });

  it('without an expiry or issue time are refused, even when signed with the secret', async () => {
    const { user } = await signUp();
    const { exp: _exp, ...noExpiry } = claimsFor(user.id);
    const { iat: _iat, ...noIssueTime } = claimsFor(user.id);
    expectError(await me(await sign(noExpiry, env.JWT_SECRET, 'HS256')), 401, 'UNAUTHORIZED', 'Invalid token');
    expectError(await me(await sign(noIssueTime, env.JWT_SECRET, 'HS256')), 401, 'UNAUTHORIZED', 'Invalid token');
  });
});

describe('refresh tokens', () => {
  it('rotate on every use: new tokens, and the new access token works', async () => {
    const { refreshToken, user } = await signUp();
    const res = await refresh(refreshToken);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: expect.stringMatching(/^rt_/),
      user: { id: user.id },
    });
    expect(res.body.data.refreshToken).not.toBe(refreshToken);
    expect((await me(res.body.data.accessToken)).status).toBe(200);
    expect((await refresh(res.body.data.refreshToken)).status).toBe(200);
  });

  it('revoke the whole family when a rotated token is presented again', async () => {
    const { refreshToken } = await signUp();
    const first = await refresh(refreshToken);
    const second = await refresh(first.body.data.refreshToken);
    expect(second.status).toBe(200);
    // The original token again: a replay. Every token descended from it stops working.
    expectError(await refresh(refreshToken), 401, 'UNAUTHORIZED', 'Invalid token');
    expectError(await refresh(second.body.data.refreshToken), 401, 'UNAUTHORIZED', 'Invalid token');
  });

  it('leave other sign-ins alone when one family is revoked', async () => {
    const { refreshToken, email, password } = await signUp();
    const other = await api.post('/v1/auth/login', { email, password });
    await refresh(refreshToken);
    await refresh(refreshToken); // replay: revokes the first family only
    expect((await refresh(other.body.data.refreshToken)).status).toBe(200);
  });

  it('give exactly one success to two racing uses, and the replay revokes the family', async () => {
    const { refreshToken } = await signUp();
    const results = await Promise.all([refresh(refreshToken), refresh(refreshToken)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = results.find((r) => r.status === 200)!;
    expectError(await refresh(winner.body.data.refreshToken), 401, 'UNAUTHORIZED', 'Invalid token');
    // The replay revoked the session: its access tokens stop working too.
    expectError(await me(winner.body.data.accessToken), 401, 'UNAUTHORIZED', 'Invalid token');
  });

  it('refuse unknown tokens and tokens older than 7 days', async () => {
    expectError(await refresh('rt_unknown'), 401, 'UNAUTHORIZED', 'Invalid token');
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = new Date();
    vi.setSystemTime(start);
    const { refreshToken } = await signUp();
    vi.setSystemTime(start.getTime() + 7 * 24 * 60 * 60 * 1000 + 1000);
    expectError(await refresh(refreshToken), 401, 'UNAUTHORIZED', 'Invalid token');
  });

  it('are stored only as hashes', async () => {
    const { refreshToken } = await signUp();
    const rows = await env.DB.prepare('SELECT token_hash FROM refresh_tokens').all<{ token_hash: string }>();
    expect(rows.results.length).toBeGreaterThan(0);
    expect(rows.results.some((r) => r.token_hash === refreshToken)).toBe(false);
  });

  it('refuse a missing refresh token with 400', async () => {
    expectError(await api.post('/v1/auth/refresh', {}), 400, 'VALIDATION_ERROR', 'Invalid input');
  });
});

describe('logout', () => {
  it("ends the caller's session: its refresh family and, at once, its access tokens", async () => {
    const { accessToken, refreshToken, email, password } = await signUp();
    const other = await api.post('/v1/auth/login', { email, password });
    expect((await me(accessToken)).status).toBe(200);
    const res = await api.post('/v1/auth/logout', undefined, { token: accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ message: 'Signed out' });
    expectError(await refresh(refreshToken), 401, 'UNAUTHORIZED', 'Invalid token');
    expectError(await me(accessToken), 401, 'UNAUTHORIZED', 'Invalid token');
    // Another sign-in of the same user is a different session.
    expect((await me(other.body.data.accessToken)).status).toBe(200);
    expect((await refresh(other.body.data.refreshToken)).status).toBe(200);
  });

  it('requires a signed-in user', async () => {
    expectError(await api.post('/v1/auth/logout'), 401, 'UNAUTHORIZED', 'Authentication required');
    expectError(await api.post('/v1/auth/logout', undefined, { token: 'garbage' }), 401, 'UNAUTHORIZED', 'Invalid token');
  });
});
