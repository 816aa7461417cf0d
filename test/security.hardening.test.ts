// Issue 15's regression tests for items 2, 3, 6 and 8, each replaying the attack through HTTP in
// workerd (items 4 and 5 are replayed beside their features: oauth.test.ts, invitations.test.ts).
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app';
import { assertMatchesContract } from './support/contract';
import { type ApiResponse, api, expectError, ORIGIN } from './support/http';
import { addMember, createTenant, createWorkspace } from './support/tenancy';
import { latestMailedToken, signUp, uniqueEmail } from './support/users';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

let ipCount = 0;
const freshIp = () => `2001:db8:15::${(++ipCount).toString(16)}`;

/** POST through createApp().fetch with extra bindings; returns once the work left past the response is done. */
async function post(path: string, body: unknown, bindings: Partial<Record<keyof Env, unknown>>, ip = freshIp()): Promise<ApiResponse> {
  const request = new Request(`${ORIGIN}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': ip },
    body: JSON.stringify(body),
  });
  const ctx = createExecutionContext();
  const res = await createApp().fetch(request, { ...env, ...bindings } as Env, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  const parsed = JSON.parse(text);
  assertMatchesContract('POST', request.url, res.status, res.headers, parsed);
  return { status: res.status, headers: res.headers, body: parsed, text };
}

describe('item 2: throttling per target address, not only per IP', () => {
  const EMAIL_LIMIT = { RATE_LIMIT_EMAIL_PER_MINUTE: '3' };

  it('stops password guessing against one account from rotating IPs, leaving other addresses alone', async () => {
    const victim = await signUp();
    // Mid-minute, far from a window boundary (and from the window sign-up's login counted in).
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2099, 0, 1, 12, 0, 20));
    for (let guess = 0; guess < 3; guess++) {
      expectError(await post('/v1/auth/login', { email: victim.email, password: `guess-${guess}-wrong` }, EMAIL_LIMIT), 401, 'AUTH_FAILED');
    }
    // A fourth IP, and even the right password: the address has had its attempts for this minute.
    const refused = await post('/v1/auth/login', { email: victim.email.toUpperCase(), password: victim.password }, EMAIL_LIMIT);
    expectError(refused, 429, 'RATE_LIMITED', 'Rate limit exceeded');
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('retry-after')).toBe('40');
    // The mail flows share the address's budget: no unlimited mail to the victim's inbox either.
    for (const path of ['/v1/auth/magic-link', '/v1/auth/forgot-password'])
      expectError(await post(path, { email: victim.email }, EMAIL_LIMIT), 429, 'RATE_LIMITED');
    expect(
      await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox WHERE recipient = ? AND subject != 'Verify your Loglane email'")
        .bind(victim.email)
        .first('n'),
    ).toBe(0);
    // Another address from the same IPs is not affected.
    expect((await post('/v1/auth/login', { email: (await signUp()).email, password: victim.password }, EMAIL_LIMIT)).status).toBe(200);
  });

  it('counts addresses without an account alike, so the limit reveals nothing', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2099, 0, 1, 12, 1, 20));
    const nobody = uniqueEmail('nobody');
    for (let i = 0; i < 3; i++) expect((await post('/v1/auth/forgot-password', { email: nobody }, EMAIL_LIMIT)).status).toBe(200);
    expectError(await post('/v1/auth/forgot-password', { email: nobody }, EMAIL_LIMIT), 429, 'RATE_LIMITED');
  });

  it('answers forgot-password and magic-link before any lookup or mail: the same work for known and unknown addresses', async () => {
    const known = await signUp();
    for (const path of ['/v1/auth/forgot-password', '/v1/auth/magic-link']) {
      const answers = [];
      for (const email of [known.email, uniqueEmail('unknown')]) {
        // D1 answers only once the response is out: what ran before it is all the client can time.
        const db = gatedDb();
        const request = new Request(`${ORIGIN}${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': freshIp() },
          body: JSON.stringify({ email }),
        });
        const ctx = createExecutionContext();
        const res = await createApp().fetch(request, { ...env, DB: db.binding } as Env, ctx);
        answers.push({ status: res.status, data: (await res.json<{ data: unknown }>()).data, answeredBy: [...db.answered] });
        db.open();
        await waitOnExecutionContext(ctx);
      }
      expect(answers[0]).toEqual(answers[1]);
      expect(answers[0]).toMatchObject({ status: 200, answeredBy: [] });
    }
    // Both mails did go out, after the responses.
    const subjects = (await api.get(`/v1/dev/outbox?to=${encodeURIComponent(known.email)}`)).body.data.map(
      (m: { subject: string }) => m.subject,
    );
    expect(subjects).toEqual(expect.arrayContaining(['Reset your Loglane password', 'Your Loglane sign-in link']));
  });
});

/** The real D1 binding, but no statement gets its answer until open(); `answered` lists those that did. */
function gatedDb() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const answered: string[] = [];
  const real = new WeakMap<object, D1PreparedStatement>();
  const held = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, property) {
        if (property === 'bind') return (...values: unknown[]) => held(target.bind(...values), sql);
        const value = Reflect.get(target, property);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          await gate;
          const result = await value.apply(target, args);
          answered.push(sql);
          return result;
        };
      },
    });
    real.set(proxy, statement);
    return proxy;
  };
  const binding = {
    prepare: (sql: string) => held(env.DB.prepare(sql), sql),
    batch: async (statements: D1PreparedStatement[]) => {
      await gate;
      const result = await env.DB.batch(statements.map((s) => real.get(s) ?? s));
      answered.push('batch');
      return result;
    },
  } as unknown as D1Database;
  return { binding, answered, open };
}

describe('item 3: pre-registration takeover through verify-email', () => {
  it('hands no session to whoever reads the verification mail; the owner takes the account over with a reset', async () => {
    const victimEmail = uniqueEmail('victim');
    // The attacker registers the victim's address with a password of their own.
    expect((await api.post('/v1/auth/register', { email: victimEmail, password: 'attacker-knows-this', name: 'Victim' })).status).toBe(201);
    // The victim clicks "Verify your Loglane email": the address is confirmed, and nobody is signed in.
    const verified = await api.post('/v1/auth/verify-email', { token: await latestMailedToken(victimEmail) });
    expect(verified.status).toBe(200);
    expect(verified.body.data).toEqual({ message: 'Email verified; sign in to continue' });
    expect(verified.text).not.toMatch(/accessToken|refreshToken|rt_/);
    // The victim cannot use the account without the attacker's password; forgot-password gives it to
    // them and ends every session the attacker had.
    const attacker = (await api.post('/v1/auth/login', { email: victimEmail, password: 'attacker-knows-this' })).body.data;
    await api.post('/v1/auth/forgot-password', { email: victimEmail });
    expect(
      (await api.post('/v1/auth/reset-password', { token: await latestMailedToken(victimEmail), password: 'victim-owns-it-now' })).status,
    ).toBe(200);
    expectError(await api.get('/v1/me', { token: attacker.accessToken }), 401, 'UNAUTHORIZED');
    expectError(await api.post('/v1/auth/refresh', { refreshToken: attacker.refreshToken }), 401, 'UNAUTHORIZED');
    expectError(
      await api.post('/v1/auth/login', { email: victimEmail, password: 'attacker-knows-this' }),
      401,
      'AUTH_FAILED',
      'Invalid email or password',
    );
    expect((await api.post('/v1/auth/login', { email: victimEmail, password: 'victim-owns-it-now' })).status).toBe(200);
  });
});

describe('item 6: exactly one owner at all times', () => {
  const ownersOf = (workspaceId: string) =>
    env.DB.prepare("SELECT COUNT(*) AS n FROM workspace_members WHERE workspace_id = ? AND role = 'owner'")
      .bind(workspaceId)
      .first<number>('n');

  it('keeps one owner when a transfer races the removal of its target (20 races)', async () => {
    const [owner, admin] = await Promise.all([signUp(), signUp()]);
    const outcomes = new Set<string>();
    for (let round = 0; round < 20; round++) {
      const workspace = await createWorkspace(owner.accessToken);
      const target = await signUp();
      await Promise.all([
        addMember(owner.accessToken, workspace.id, admin, 'admin'),
        addMember(owner.accessToken, workspace.id, target, 'admin'),
      ]);
      const [transfer, removal] = await Promise.all([
        api.post(`/v1/workspaces/${workspace.id}/transfer-ownership`, { userId: target.user.id }, { token: owner.accessToken }),
        api.delete(`/v1/workspaces/${workspace.id}/members/${target.user.id}`, { token: admin.accessToken }),
      ]);
      outcomes.add(`${transfer.status}/${removal.status}`);
      expect(await ownersOf(workspace.id), `round ${round}: transfer ${transfer.status}, removal ${removal.status}`).toBe(1);
      // Whoever ended up owner can still delete the workspace.
      const members = (await api.get(`/v1/workspaces/${workspace.id}/members`, { token: owner.accessToken })).body.data as {
        userId: string;
        role: string;
      }[];
      const newOwner = members.find((m) => m.role === 'owner')!.userId === owner.user.id ? owner : target;
      expect((await api.delete(`/v1/workspaces/${workspace.id}`, { token: newOwner.accessToken })).status).toBe(200);
    }
    // Either the transfer or the removal won; the other was refused cleanly (never both, never a 500).
    for (const outcome of outcomes) expect(['200/403', '404/200']).toContain(outcome);
  }, 120_000);
});

describe('item 8: control characters in the text search', () => {
  it.each(['%00ab', 'a%0Ab', '%1F', 'x%7F'])(
    'refuses q=%s with 400 VALIDATION_ERROR and details on q, before any storage work',
    async (q) => {
      const tenant = await createTenant();
      const res = await api.get(`/v1/logs?q=${q}`, { token: tenant.key.secret });
      expectError(res, 400, 'VALIDATION_ERROR', 'Invalid input');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['q']);
    },
  );

  it('still searches ordinary text, tabs excepted', async () => {
    const tenant = await createTenant();
    expect((await api.get('/v1/logs?q=timeout%20%C3%A9', { token: tenant.key.secret })).status).toBe(200);
  });
});
