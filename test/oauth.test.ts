// OAuth sign-in and linking against the fake GitHub/Google of test/support/fake-providers.ts.
import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { base64url } from '../src/lib/base64url';
import { assertMatchesContract } from './support/contract';
import type { FakeGrant } from './support/fake-providers';
import { api, expectError, ORIGIN } from './support/http';
import { signUp, uniqueEmail } from './support/users';

const FAKE_HOST = 'https://providers.fake.test';
const b64url = (text: string) => base64url(new TextEncoder().encode(text));

/** The browser's cookie jar: the flow-binding cookie each start set, by the state it belongs to. */
const cookieOfState = new Map<string, string>();

/**
 * GET /v1/auth/oauth/{provider}: the provider URL the API redirects to. Sent with redirect: 'manual'
 * (which api.get does not do): a followed redirect would come back to the Worker itself.
 */
async function start(provider: string, token?: string): Promise<URL> {
  const url = `${ORIGIN}/v1/auth/oauth/${provider}`;
  const headers: Record<string, string> = { 'CF-Connecting-IP': '203.0.113.10', ...(token ? { Authorization: `Bearer ${token}` } : {}) };
  const res = await exports.default.fetch(new Request(url, { headers, redirect: 'manual' }));
  const text = await res.text();
  assertMatchesContract('GET', url, res.status, res.headers, text ? JSON.parse(text) : text);
  expect(res.status, text).toBe(302);
  const location = new URL(res.headers.get('location')!);
  cookieOfState.set(location.searchParams.get('state')!, res.headers.get('set-cookie')!.split(';')[0]);
  return location;
}

/** What the fake provider hands back to the callback: a code standing for `grant`, and the state. */
function authorize(location: URL, grant: Partial<FakeGrant> = {}) {
  const code = b64url(
    JSON.stringify({
      challenge: location.searchParams.get('code_challenge'),
      accountId: String(Math.floor(Math.random() * 1e9)),
      email: uniqueEmail('oauth'),
      emailVerified: true,
      ...grant,
    }),
  );
  return { code, state: location.searchParams.get('state')! };
}

/** The provider's redirect back to the API, from the browser that started the flow (its cookie) unless `cookie` says otherwise ('' for none). */
const callback = (provider: string, params: Record<string, string>, cookie = cookieOfState.get(params.state ?? '')) =>
  api.get(`/v1/auth/oauth/${provider}/callback?${new URLSearchParams(params)}`, { headers: cookie ? { Cookie: cookie } : {} });

/** A complete sign-in: start, authorize at the fake provider, callback. */
async function signInWith(provider: 'github' | 'google', grant: Partial<FakeGrant> = {}, token?: string) {
  return callback(provider, authorize(await start(provider, token), grant));
}

const methodsOf = async (token: string) => (await api.get('/v1/me/auth-methods', { token })).body.data.map((m: any) => m.method);

afterEach(() => {
  vi.useRealTimers();
});

describe('starting an OAuth sign-in', () => {
  it.each([
    ['github', 'fake-github-client'],
    ['google', 'fake-google-client'],
  ])('redirects to %s with state and a PKCE S256 challenge', async (provider, clientId) => {
    const location = await start(provider);
    expect(`${location.origin}${location.pathname}`).toBe(`${FAKE_HOST}/${provider}/authorize`);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      client_id: clientId,
      redirect_uri: `${env.PUBLIC_BASE_URL}/v1/auth/oauth/${provider}/callback`,
      response_type: 'code',
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      state: expect.stringMatching(/.{20,}/),
    });
  });

  it('gives every start its own state', async () => {
    const [a, b] = [await start('github'), await start('github')];
    expect(a.searchParams.get('state')).not.toBe(b.searchParams.get('state'));
    expect(a.searchParams.get('code_challenge')).not.toBe(b.searchParams.get('code_challenge'));
  });

  it('refuses other providers with 400 VALIDATION_ERROR "Unsupported OAuth provider"', async () => {
    expectError(await api.get('/v1/auth/oauth/twitter'), 400, 'VALIDATION_ERROR', 'Unsupported OAuth provider');
    expectError(await api.get('/v1/auth/oauth/twitter/callback?code=x&state=y'), 400, 'VALIDATION_ERROR', 'Unsupported OAuth provider');
  });

  it('refuses an invalid user token rather than ignoring it', async () => {
    expectError(await api.get('/v1/auth/oauth/github', { token: 'garbage' }), 401, 'UNAUTHORIZED', 'Invalid token');
  });

  it('carries the rate-limit headers on the redirect', async () => {
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/v1/auth/oauth/github`, { redirect: 'manual', headers: { 'CF-Connecting-IP': '203.0.113.10' } }),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('x-ratelimit-limit')).not.toBeNull();
  });
});

describe('finishing an OAuth sign-in', () => {
  it('creates a verified account for a new provider account, and signs the same account in again later', async () => {
    const email = uniqueEmail('octo');
    const first = await signInWith('github', { accountId: '4242', email, name: 'Octo Cat' });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { email, name: 'Octo Cat', emailVerified: true } });
    expect(await methodsOf(first.body.data.accessToken)).toEqual(['github']);
    // The provider account is what counts, even if its email changed since.
    const again = await signInWith('github', { accountId: '4242', email: uniqueEmail('octo-new') });
    expect(again.body.data.user.id).toBe(first.body.data.user.id);
  });

  it('links to the existing account with the same verified email', async () => {
    const { email, user, accessToken } = await signUp();
    const res = await signInWith('google', { email });
    expect(res.status).toBe(200);
    expect(res.body.data.user.id).toBe(user.id);
    expect(await methodsOf(accessToken)).toEqual(['password', 'google']);
  });

  it('drops a password set on the address before anyone proved it, when the provider proves it', async () => {
    const email = uniqueEmail('squatted');
    await api.post('/v1/auth/register', { email, password: 'attacker-chose-this', name: 'Squatter' });
    const res = await signInWith('github', { email });
    expect(res.status).toBe(200);
    expect(res.body.data.user.emailVerified).toBe(true);
    expect(await methodsOf(res.body.data.accessToken)).toEqual(['github']);
    expectError(
      await api.post('/v1/auth/login', { email, password: 'attacker-chose-this' }),
      401,
      'AUTH_FAILED',
      'Invalid email or password',
    );
  });

  it('links to the signed-in user who started it, whatever the provider email', async () => {
    const { user, accessToken } = await signUp();
    const res = await signInWith('github', { email: uniqueEmail('elsewhere') }, accessToken);
    expect(res.status).toBe(200);
    expect(res.body.data.user.id).toBe(user.id);
    expect(await methodsOf(accessToken)).toEqual(['password', 'github']);
  });

  it('refuses to link a provider account that belongs to another user', async () => {
    const owner = await signInWith('github', { accountId: '777' });
    expect(owner.status).toBe(200);
    const { accessToken } = await signUp();
    expectError(await signInWith('github', { accountId: '777' }, accessToken), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
  });

  it('refuses a state that was never issued, or one used already', async () => {
    const location = await start('github');
    const { code, state } = authorize(location);
    expectError(await callback('github', { code, state: 'st_forged' }), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
    expect((await callback('github', { code, state })).status).toBe(200);
    expectError(await callback('github', { code, state }), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
  });

  it('refuses states of any other shape without looking them up, however long', async () => {
    for (const state of ['st_short', 'é'.repeat(256), 'x'.repeat(256)]) {
      expectError(await callback('github', { code: 'anything', state }), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
    }
  });

  it('refuses a state issued for another provider', async () => {
    const { code, state } = authorize(await start('github'));
    expectError(await callback('google', { code, state }), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
  });

  it('refuses a state older than 5 minutes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Date.now();
    vi.setSystemTime(now);
    const grant = authorize(await start('github'));
    vi.setSystemTime(now + 5 * 60 * 1000 + 1000);
    expectError(await callback('github', grant), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
  });

  it('refuses a provider error, a missing code and a missing state', async () => {
    const { state } = authorize(await start('google'));
    expectError(await callback('google', { error: 'access_denied', state }), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
    const second = authorize(await start('google'));
    expectError(await callback('google', { state: second.state }), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
    expectError(await callback('google', { code: second.code }), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
  });

  it.each(['github', 'google'] as const)('refuses a code that %s will not exchange', async (provider) => {
    expectError(await signInWith(provider, { failExchange: true }), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
  });

  it('sends the PKCE verifier: a code bound to another challenge is not exchanged', async () => {
    const location = await start('github');
    const { code, state } = authorize(location, { challenge: 'x'.repeat(43) });
    expectError(await callback('github', { code, state }), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
  });

  it.each(['github', 'google'] as const)('refuses an email that %s has not verified, and creates nothing', async (provider) => {
    const email = uniqueEmail('unverified');
    expectError(await signInWith(provider, { email, emailVerified: false }), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
    expect(await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first()).toBeNull();
  });
});

describe('unlinking sign-in methods', () => {
  it('removes a method while another remains, never the last', async () => {
    const { email, password, accessToken } = await signUp();
    await signInWith('google', { email });
    const res = await api.delete('/v1/me/auth-methods/password', { token: accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([{ method: 'google', linkedAt: expect.any(String) }]);
    // The password is gone, not just hidden.
    expectError(await api.post('/v1/auth/login', { email, password }), 401, 'AUTH_FAILED', 'Invalid email or password');
    expectError(await api.delete('/v1/me/auth-methods/google', { token: accessToken }), 403, 'FORBIDDEN', 'Cannot remove last auth method');
    expectError(await api.delete('/v1/me/auth-methods/password', { token: accessToken }), 404, 'NOT_FOUND', 'Resource not found');
  });

  it('keeps one method when two unlinks race', async () => {
    const { email, accessToken } = await signUp();
    await signInWith('github', {}, accessToken);
    await signInWith('google', { email });
    expect(await methodsOf(accessToken)).toEqual(['password', 'github', 'google']);
    const results = await Promise.all(
      ['password', 'github', 'google'].map((m) => api.delete(`/v1/me/auth-methods/${m}`, { token: accessToken })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 403]);
    expect(await methodsOf(accessToken)).toHaveLength(1);
  });
});

// Issue 15, item 4: login CSRF and silent linking, replayed.
describe('binding a flow to the client that started it, and linking safely', () => {
  const outbox = async (email: string) =>
    (await api.get(`/v1/dev/outbox?to=${encodeURIComponent(email)}`)).body.data as { subject: string; text: string }[];

  it('sets a __Host- cookie on the redirect: HttpOnly, Secure, SameSite=Lax, Path=/, as long as the state lives', async () => {
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/v1/auth/oauth/github`, { redirect: 'manual', headers: { 'CF-Connecting-IP': '203.0.113.10' } }),
    );
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^__Host-loglane_oauth=[A-Za-z0-9_]{20,};/);
    expect(cookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=300', 'Path=/', 'SameSite=Lax', 'Secure']);
  });

  it("refuses a link flow started by user A and finished by the victim's browser: nothing linked, no session for A", async () => {
    const attacker = await signUp();
    const location = await start('github', attacker.accessToken);
    // The victim opens A's authorization URL and approves with their own GitHub account.
    const victimGithub = { accountId: '90210', email: uniqueEmail('victim') };
    const grant = authorize(location, victimGithub);
    const { state: victimState } = authorize(await start('github')); // the victim's browser has a cookie of its own flow
    for (const cookie of [undefined, cookieOfState.get(victimState)]) {
      const res = await api.get(`/v1/auth/oauth/github/callback?${new URLSearchParams(grant)}`, {
        headers: cookie ? { Cookie: cookie } : {},
      });
      expectError(res, 401, 'AUTH_FAILED', 'OAuth sign-in failed');
    }
    expect(await methodsOf(attacker.accessToken)).toEqual(['password']);
    // The victim's own "Sign in with GitHub" lands in an account of their own.
    const own = await signInWith('github', victimGithub);
    expect(own.body.data.user.id).not.toBe(attacker.user.id);
  });

  it("refuses an anonymous sign-in finished in another browser (login CSRF into the attacker's account)", async () => {
    const grant = authorize(await start('github'), { accountId: '31337' });
    expectError(await callback('github', grant, ''), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
    expectError(await callback('github', grant, '__Host-loglane_oauth=nonce_forged'), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
  });

  it('needs a sign-in from the last 10 minutes to link: an older (or stolen) session gets 403 and must sign in again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Date.now();
    vi.setSystemTime(now);
    const user = await signUp();
    // 11 minutes on, the access token is still valid (15 minutes) but the sign-in is not recent.
    vi.setSystemTime(now + 11 * 60 * 1000);
    const refreshed = (await api.post('/v1/auth/refresh', { refreshToken: user.refreshToken })).body.data;
    for (const token of [user.accessToken, refreshed.accessToken]) {
      expectError(await api.get('/v1/auth/oauth/github', { token }), 403, 'FORBIDDEN', 'Recent sign-in required');
    }
    const fresh = (await api.post('/v1/auth/login', { email: user.email, password: user.password })).body.data;
    expect((await signInWith('github', {}, fresh.accessToken)).status).toBe(200);
    expect(await methodsOf(fresh.accessToken)).toEqual(['password', 'github']);
  });

  it('finishes a link only while the session that started it lives', async () => {
    const user = await signUp();
    const grant = authorize(await start('github', user.accessToken));
    await api.post('/v1/auth/logout', undefined, { token: user.accessToken });
    expectError(await callback('github', grant), 401, 'AUTH_FAILED', 'OAuth sign-in failed');
    const again = (await api.post('/v1/auth/login', { email: user.email, password: user.password })).body.data;
    expect(await methodsOf(again.accessToken)).toEqual(['password']);
  });

  it('mails the account when a provider is linked, and shows when each method was linked', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const signedUpAt = Date.now();
    vi.setSystemTime(signedUpAt);
    const user = await signUp();
    vi.setSystemTime(signedUpAt + 60_000);
    expect((await signInWith('github', {}, user.accessToken)).status).toBe(200);
    vi.setSystemTime(signedUpAt + 120_000);
    expect((await signInWith('google', { email: user.email })).status).toBe(200);
    const subjects = (await outbox(user.email)).map((mail) => mail.subject);
    expect(subjects).toEqual(
      expect.arrayContaining(['GitHub sign-in was linked to your Loglane account', 'Google sign-in was linked to your Loglane account']),
    );
    const methods = (await api.get('/v1/me/auth-methods', { token: user.accessToken })).body.data;
    expect(methods).toEqual([
      { method: 'password', linkedAt: new Date(signedUpAt).toISOString() },
      { method: 'github', linkedAt: new Date(signedUpAt + 60_000).toISOString() },
      { method: 'google', linkedAt: new Date(signedUpAt + 120_000).toISOString() },
    ]);
  });

  it('sends no link mail for a plain sign-in or a new account', async () => {
    const email = uniqueEmail('plain');
    await signInWith('github', { accountId: '5150', email });
    await signInWith('github', { accountId: '5150', email });
    expect((await outbox(email)).map((mail) => mail.subject)).toEqual([]);
  });
});
