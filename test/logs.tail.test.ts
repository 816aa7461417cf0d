// GET /v1/logs/tail over HTTP in workerd: the stream, its filters, replay after Last-Event-ID,
// heartbeats, the per-project bound and who may follow which project. Entries reach the tail the
// way they do in production: ingest, then the queue consumer (which stores and publishes them).
import { exports } from 'cloudflare:workers';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TAILS_PER_PROJECT } from '../src/tail/log-tail';
import { ingestAndStore } from './logs.support';
import { assertMatchesContract, schemaErrors } from './support/contract';
import { api, expectError, ORIGIN } from './support/http';
import { addMember, createApiKey, createTenant, type Tenant } from './support/tenancy';
import { signUp } from './support/users';

type Tail = { status: number; body?: any; events: EventSourceMessage[]; comments: string[]; ended: boolean; close(): Promise<void> };
const open: Tail[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((tail) => tail.close()));
});

/** Opens a tail and parses its events as they come (a non-200 answer is read whole). */
async function tail(query: string, token: string, headers: Record<string, string> = {}): Promise<Tail> {
  const url = `${ORIGIN}/v1/logs/tail${query}`;
  const res = await exports.default.fetch(
    new Request(url, { headers: { Authorization: `Bearer ${token}`, 'CF-Connecting-IP': '203.0.113.40', ...headers } }),
  );
  if (res.status !== 200) {
    const body = await res.json();
    assertMatchesContract('GET', url, res.status, res.headers, body);
    return { status: res.status, body, events: [], comments: [], ended: true, close: async () => {} };
  }
  assertMatchesContract('GET', url, res.status, res.headers, '');
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  const parser = createParser({
    onEvent: (event) => {
      expect(schemaErrors({ $ref: '#/components/schemas/LogEntry' }, JSON.parse(event.data))).toEqual([]);
      events.push(event);
    },
    onComment: (comment) => comments.push(comment.trim()),
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const opened: Tail = {
    status: 200,
    events,
    comments,
    ended: false,
    close: async () => void (await reader.cancel().catch(() => {}), await pumped),
  };
  const pumped = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return void (opened.ended = true);
      parser.feed(decoder.decode(value, { stream: true }));
    }
  })();
  open.push(opened);
  await until(() => comments.length > 0); // the stream is open (and subscribed)
  return opened;
}

async function until(condition: () => boolean, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const ids = (t: Tail) => t.events.map((event) => event.id);

let a: Tenant;
let b: Tenant;
beforeAll(async () => {
  [a, b] = await Promise.all([createTenant(), createTenant()]);
});

describe('GET /v1/logs/tail', () => {
  it('streams each stored entry its filters match, as `log` events with the entry id, and nothing of other projects', async () => {
    const all = await tail('', a.key.secret);
    const filtered = await tail('?service=api&level=error&attributes[region]=eu', a.key.secret);
    // Text is matched as queries match it (ASCII case-insensitive), whatever its characters.
    const text = await tail(`?q=${encodeURIComponent('MATCH İ✓')}`, a.key.secret);
    await ingestAndStore(b.key.secret, { level: 'error', message: 'B', service: 'api', attributes: { region: 'eu' } });
    const stored = await ingestAndStore(a.key.secret, {
      entries: [
        { level: 'error', message: 'match İ✓', service: 'api', attributes: { region: 'eu' } },
        { level: 'info', message: 'wrong level', service: 'api', attributes: { region: 'eu' } },
        { level: 'error', message: 'wrong service', service: 'web', attributes: { region: 'eu' } },
        { level: 'error', message: 'wrong region', service: 'api', attributes: { region: 'us' } },
      ],
    });
    await until(() => all.events.length === 4 && filtered.events.length === 1 && text.events.length === 1);
    expect(ids(all)).toEqual(stored);
    expect(ids(filtered)).toEqual([stored[0]]);
    expect(ids(text)).toEqual([stored[0]]);
    expect(filtered.events[0].event).toBe('log');
    expect(JSON.parse(filtered.events[0].data)).toMatchObject({
      id: stored[0],
      projectId: a.project.id,
      message: 'match İ✓',
      service: 'api',
    });
  });

  it('replays what followed Last-Event-ID from the last 24 hours, then goes on live', async () => {
    const t = await createTenant();
    const first = await ingestAndStore(t.key.secret, { entries: [{ level: 'info', message: 'seen' }] });
    const missed = await ingestAndStore(t.key.secret, {
      entries: [
        { level: 'info', message: 'missed 1' },
        { level: 'warn', message: 'missed 2' },
      ],
    });
    const resumed = await tail('', t.key.secret, { 'Last-Event-ID': first[0] });
    await until(() => resumed.events.length === 2);
    const later = await ingestAndStore(t.key.secret, { level: 'info', message: 'live' });
    await until(() => resumed.events.length === 3);
    expect(ids(resumed)).toEqual([...missed, ...later]);
    // The replay applies the tail's filters too.
    const warnings = await tail('?level=warn', t.key.secret, { 'Last-Event-ID': first[0] });
    await until(() => warnings.events.length === 1);
    expect(ids(warnings)).toEqual([missed[1]]);
    expect(fields(await tail('', t.key.secret, { 'Last-Event-ID': 'not an id' }))).toEqual(['Last-Event-ID']);
  });

  it('sends heartbeat comments while idle', async () => {
    const t = await tail('', a.key.secret);
    // vitest.config.ts sets TAIL_HEARTBEAT_SECONDS to 1 (15 in wrangler.jsonc).
    await until(() => t.comments.length >= 3, 5000);
    expect(new Set(t.comments)).toEqual(new Set(['heartbeat']));
  });

  it(`bounds the tails of one project at ${MAX_TAILS_PER_PROJECT} (429 in the envelope), other projects unaffected`, async () => {
    const t = await createTenant();
    const tails = [];
    for (let i = 0; i < MAX_TAILS_PER_PROJECT; i++) tails.push(await tail('', t.key.secret));
    const refused = await tail('', t.key.secret);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'RATE_LIMITED', message: 'Too many live tail connections' });
    expect((await tail('', a.key.secret)).status).toBe(200);
    // A closed tail frees its place.
    await tails[0].close();
    let reopened: Tail | undefined;
    for (let attempt = 0; attempt < 50 && reopened?.status !== 200; attempt++) {
      reopened = await tail('', t.key.secret);
      if (reopened.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(reopened?.status).toBe(200);
  });
});

const fields = (t: Tail) => (t.body.error.details as { field: string }[]).map((d) => d.field);

describe('who may tail which project', () => {
  it('needs a credential, and the logs:read scope on a key', async () => {
    const anonymous = await api.get('/v1/logs/tail');
    expectError(anonymous, 401, 'UNAUTHORIZED', 'Authentication required');
    const writeOnly = await createApiKey(a.owner.accessToken, a.workspace.id, a.project.id, ['logs:write']);
    const res = await tail('', writeOnly.secret);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });

  it("lets members follow their workspace's projects and no other (an attack with another project's id is 404)", async () => {
    const own = await tail(`?projectId=${a.project.id}`, a.owner.accessToken);
    expect(own.status).toBe(200);
    const outsider = await signUp();
    const probe = await tail(`?projectId=${a.project.id}`, outsider.accessToken);
    expect(probe.status).toBe(404);
    expect(probe.body.error.code).toBe('NOT_FOUND');
    // A key names only its own project.
    const crossKey = await tail(`?projectId=${a.project.id}`, b.key.secret);
    expect(crossKey.status).toBe(404);
    const noProject = await tail('', a.owner.accessToken);
    expect(fields(noProject)).toEqual(['projectId']);
    await ingestAndStore(a.key.secret, { level: 'info', message: 'for members only' });
    await until(() => own.events.length === 1);
  });

  it('ends an open tail at the next heartbeat once its key is revoked, its session ended or its membership gone', async () => {
    const t = await createTenant();
    const key = await createApiKey(t.owner.accessToken, t.workspace.id, t.project.id, ['logs:read']);
    const byKey = await tail('', key.secret);
    const member = await signUp();
    await addMember(t.owner.accessToken, t.workspace.id, member);
    const byMember = await tail(`?projectId=${t.project.id}`, member.accessToken);
    const signedIn = await signUp();
    await addMember(t.owner.accessToken, t.workspace.id, signedIn);
    const bySession = await tail(`?projectId=${t.project.id}`, signedIn.accessToken);
    const unaffected = await tail('', t.key.secret);

    expect(
      (await api.delete(`/v1/workspaces/${t.workspace.id}/projects/${t.project.id}/api-keys/${key.id}`, { token: t.owner.accessToken }))
        .status,
    ).toBe(200);
    expect((await api.delete(`/v1/workspaces/${t.workspace.id}/members/${member.user.id}`, { token: t.owner.accessToken })).status).toBe(
      200,
    );
    expect((await api.post('/v1/auth/logout', { refreshToken: signedIn.refreshToken }, { token: signedIn.accessToken })).status).toBe(200);
    // vitest.config.ts: a heartbeat every second.
    await until(() => byKey.ended && byMember.ended && bySession.ended, 5000);
    await ingestAndStore(t.key.secret, { level: 'info', message: 'after revocation' });
    await until(() => unaffected.events.length === 1);
    expect(unaffected.ended).toBe(false);
    expect([byKey, byMember, bySession].map((ended) => ended.events.length)).toEqual([0, 0, 0]);
  });

  it('refuses unknown parameters and invalid filters', async () => {
    expect(fields(await tail('?since=2026-01-01T00:00:00Z&colour=red', a.key.secret)).sort()).toEqual(['colour', 'since']);
    expect(fields(await tail('?level=loud', a.key.secret))).toEqual(['level.0']);
  });
});
