// Contract fuzzing, part 2: the world the generated requests run against, and the properties
// every response must have.
//
// The world is two real tenants set up through the HTTP API (users with JWTs, workspaces,
// projects, API keys of both scopes, an open invitation to the other tenant's owner), plus a spare
// user for one-time tokens and a candidate to invite. Requests are sent to the Worker's own fetch handler inside workerd with the
// real bindings, each wrapped in recording proxies, so that every write a request makes (D1, KV,
// queue, R2), in the foreground or in waitUntil, is attributed to that request alone.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { decode, sign } from 'hono/jwt';
import { ERROR_STATUS, ERRORS } from '../../generated/errors';
import worker from '../../src/index';
import { base64url } from '../../src/lib/base64url';
import { encodeCursor, type LogEntry } from '../../src/model/logs';
import { assertMatchesContract, deref, operationFor, schemaErrors } from './contract';
import {
  type BadCredential,
  bodyLimitOf,
  type Credential,
  type FuzzRequest,
  type Operation,
  type Persona,
  PLACEHOLDER,
  type TenantName,
} from './fuzz-contract';
import { type ApiResponse, ORIGIN } from './http';
import { type CreatedApiKey, uniqueSlug } from './tenancy';
import { type SignedUpUser, signUp, uniqueEmail } from './users';

// ---------------------------------------------------------------------------------------------
// Recording bindings: what a request wrote
// ---------------------------------------------------------------------------------------------

const WRITE_SQL = /^\s*(?:INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b|^\s*WITH\b[\s\S]*\b(?:INSERT|UPDATE|DELETE)\b/i;

/**
 * Writes a refused request may make, each for a reason:
 * - a key that authenticated records its use (at most once a minute), whatever the route then answers;
 * - an OAuth state is single-use: a callback consumes it even when the exchange then fails.
 */
const ALLOWED_ON_REFUSAL = [/^D1 UPDATE api_keys SET last_used_at = \?/, /^KV delete oauth:state:/];

type Recorder = { writes: string[] };

function recordingD1(db: D1Database, rec: Recorder): D1Database {
  const real = new WeakMap<object, D1PreparedStatement>();
  const sqlOf = new WeakMap<object, string>();
  const note = (sql: string, changes: number | undefined) => {
    if (WRITE_SQL.test(sql) && changes !== 0) rec.writes.push(`D1 ${sql.replace(/\s+/g, ' ').trim()} (${changes ?? '?'} rows)`);
  };
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values), sql),
      run: async () => {
        const result = await statement.run();
        note(sql, result.meta?.changes);
        return result;
      },
      all: async () => {
        const result = await statement.all();
        note(sql, result.meta?.changes);
        return result;
      },
      // A write read through first() (UPDATE … RETURNING) is run as all(), so its changes are known.
      first: async (column?: string) => {
        if (!WRITE_SQL.test(sql)) return column === undefined ? statement.first() : statement.first(column);
        const result = await statement.all<Record<string, unknown>>();
        note(sql, result.meta?.changes);
        const row = result.results[0] ?? null;
        return column === undefined ? row : row === null ? null : row[column];
      },
      raw: async (options?: { columnNames?: boolean }) => {
        note(sql, undefined);
        return statement.raw(options as { columnNames: true });
      },
    };
    real.set(wrapped, statement);
    sqlOf.set(wrapped, sql);
    return wrapped as unknown as D1PreparedStatement;
  };
  return {
    prepare: (sql: string) => wrap(db.prepare(sql), sql),
    batch: async (statements: D1PreparedStatement[]) => {
      const results = await db.batch(statements.map((s) => real.get(s) ?? s));
      results.forEach((result, i) => note(sqlOf.get(statements[i]) ?? '?', result.meta?.changes));
      return results;
    },
    exec: async (sql: string) => {
      note(sql, undefined);
      return db.exec(sql);
    },
    dump: () => db.dump(),
    withSession: () => {
      throw new Error('withSession is not observed by the fuzzer');
    },
  } as unknown as D1Database;
}

function recordingKv(kv: KVNamespace, rec: Recorder): KVNamespace {
  return new Proxy(kv, {
    get(target, property) {
      if (property === 'put' || property === 'delete') {
        return (key: string, ...rest: unknown[]) => {
          rec.writes.push(`KV ${String(property)} ${key}`);
          return (target[property] as (...args: unknown[]) => unknown).call(target, key, ...rest);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function recordingQueue(queue: Queue, rec: Recorder): Queue {
  return {
    send: (body: unknown, options?: QueueSendOptions) => {
      rec.writes.push('Queue send 1');
      return queue.send(body, options);
    },
    sendBatch: (messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions) => {
      const batch = [...messages];
      rec.writes.push(`Queue sendBatch ${batch.length}`);
      return queue.sendBatch(batch, options);
    },
  } as Queue;
}

function recordingR2(bucket: R2Bucket, rec: Recorder): R2Bucket {
  return new Proxy(bucket, {
    get(target, property) {
      if (property === 'put' || property === 'delete' || property === 'createMultipartUpload') {
        return (...args: unknown[]) => {
          rec.writes.push(`R2 ${String(property)} ${String(args[0])}`);
          return (target[property] as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The world
// ---------------------------------------------------------------------------------------------

type TenantState = {
  workspace: string;
  project: string;
  keys: Record<'all' | 'read' | 'write' | 'revoked', CreatedApiKey>;
  invitation: string;
};
type Person = SignedUpUser & { tokenAt: number };

const sessionIsLive = async (accessToken: string) => {
  const { sid } = decode(accessToken).payload as { sid: string };
  return (await env.DB.prepare('SELECT 1 FROM session_families WHERE id = ? AND revoked_at IS NULL').bind(sid).first()) !== null;
};

const FUZZ_IP = '203.0.113.77';
/** Access tokens live 15 minutes; long runs sign in again after 10. */
const TOKEN_REFRESH_MS = 10 * 60 * 1000;

const b64url = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));

/** Access-token claims as the Worker issues them, for `sub`, with overrides. */
function claimsFor(sub: string, overrides: Record<string, unknown> = {}) {
  const iat = Math.floor(Date.now() / 1000);
  return { sub, sid: 'ses_forged', iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, iat, exp: iat + 900, ...overrides };
}

/** Forged, broken or misplaced credentials for the user `sub` (ghostUser: correctly signed, for nobody). */
export async function badCredentialHeaders(what: BadCredential, sub: string): Promise<Record<string, string>> {
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const now = Math.floor(Date.now() / 1000);
  switch (what) {
    case 'garbage':
      return bearer('not.a.jwt');
    case 'expired':
      return bearer(await sign(claimsFor(sub, { iat: now - 3600, exp: now - 60 }), env.JWT_SECRET, 'HS256'));
    case 'algNone':
      return bearer(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claimsFor(sub))}.`);
    case 'wrongKey':
      return bearer(await sign(claimsFor(sub), 'not-the-secret-0123456789abcdef0123456789', 'HS256'));
    case 'wrongAudience':
      return bearer(await sign(claimsFor(sub, { aud: 'another-api' }), env.JWT_SECRET, 'HS256'));
    case 'wrongIssuer':
      return bearer(await sign(claimsFor(sub, { iss: 'someone-else' }), env.JWT_SECRET, 'HS256'));
    case 'missingSid': {
      const { sid: _sid, ...claims } = claimsFor(sub);
      return bearer(await sign(claims, env.JWT_SECRET, 'HS256'));
    }
    case 'hs512':
      return bearer(await sign(claimsFor(sub), env.JWT_SECRET, 'HS512'));
    case 'ghostUser':
      return bearer(await sign(claimsFor('usr_ghost0000000000000000', { sid: 'ses_ghost' }), env.JWT_SECRET, 'HS256'));
    case 'basicScheme':
      return { Authorization: 'Basic dXNlcjpwYXNzd29yZA==' };
    case 'emptyBearer':
      return { Authorization: 'Bearer ' };
    case 'unknownKey':
      return bearer(`sk_${'Z'.repeat(32)}`);
    case 'hugeKey':
      return { 'X-API-Key': `sk_${'a'.repeat(4000)}` };
    case 'oddKeyHeader':
      return { 'X-API-Key': 'sk_\u00ff\u00e9\u0080x' };
  }
}

/** Percent-encodes a path or query component; lone surrogates become the bytes a raw client would send (WTF-8). */
function encodeComponent(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text]
      .map((ch) => {
        const code = ch.codePointAt(0)!;
        if (code < 0xd800 || code > 0xdfff) return encodeURIComponent(ch);
        return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
          .map((b) => `%${b.toString(16).toUpperCase()}`)
          .join('');
      })
      .join('');
  }
}

export type Sent = {
  request: FuzzRequest;
  method: string;
  url: string;
  headers: Record<string, string>;
  bodyText?: string;
  bodyBytes: number;
  response: ApiResponse;
  writes: string[];
  rowsBefore: Record<string, number>;
  rowsAfter?: Record<string, number>;
  /** The workspace in the path, when the signed-in caller was not a member of it before the request. */
  outsiderOf?: string;
};

/** A response's text; an event stream (the live tail) never ends, so of that only its first chunk (the opening heartbeat). */
async function responseText(res: Response): Promise<string> {
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) return res.text();
  const reader = res.body!.getReader();
  const { value } = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(value);
}

export class FuzzWorld {
  people = {} as Record<Persona, Person>;
  tenants = {} as Record<TenantName, TenantState>;
  /** Every API key secret the world was shown (once, at creation): no later response may carry one. */
  secrets = new Set<string>();
  /** Ids (and projects) of every entry an ingest accepted. */
  accepted = new Map<string, string>();
  /** How many records OTLP exports had accepted, by project: OTLP answers with counts, not ids. */
  otlpAccepted = new Map<string, number>();
  stats = new Map<string, Map<string, number>>();
  /** Contract-valid requests that were refused with 400, by reason (printed with FUZZ_VERBOSE). */
  validRefusals = new Map<string, number>();
  /** Where the time goes (ms), printed with FUZZ_VERBOSE. */
  timing = { rows: 0, fetch: 0, after: 0, rebuild: 0, intact: 0 };
  /** How often each known finding was hit. */
  findings = new Map<string, number>();
  rebuilds = 0;
  private tables: string[] = [];

  async setup() {
    const personas: Persona[] = ['A.owner', 'A.member', 'B.owner', 'B.member', 'spare', 'candidate'];
    const people = await Promise.all(personas.map((p) => signUp({ name: `fuzz ${p}` })));
    personas.forEach((p, i) => (this.people[p] = { ...people[i], tokenAt: Date.now() }));
    this.tenants.A = await this.buildTenant('A');
    this.tenants.B = await this.buildTenant('B');
    const tables = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
    ).all<{ name: string }>();
    this.tables = tables.results.map((r) => r.name);
  }

  /**
   * A tenant: the owner's workspace with a member (invited, and accepted), a project, keys with both
   * scopes, each one scope, and revoked, and an open invitation to the other tenant's owner (so
   * that a fuzzed accept can succeed, with a user who is an outsider until then).
   */
  private async buildTenant(tenant: TenantName): Promise<TenantState> {
    const token = await this.accessToken(`${tenant}.owner`);
    const workspace = await this.expect(201, 'POST', '/v1/workspaces', {
      token,
      body: { name: `Fuzz ${tenant}`, slug: uniqueSlug('fuzz') },
    });
    const ws = `/v1/workspaces/${workspace.id}`;
    const project = await this.expect(201, 'POST', `${ws}/projects`, { token, body: { name: `Fuzz ${tenant}`, slug: uniqueSlug('fuzz') } });
    const member = this.people[`${tenant}.member`];
    const joining = await this.expect(201, 'POST', `${ws}/invitations`, { token, body: { email: member.email, role: 'member' } });
    await this.expect(200, 'POST', `/v1/me/invitations/${joining.id}/accept`, { token: await this.accessToken(`${tenant}.member`) });
    const other = tenant === 'A' ? 'B' : 'A';
    const invitation = await this.expect(201, 'POST', `${ws}/invitations`, {
      token,
      body: { email: this.people[`${other}.owner`].email, role: 'member' },
    });
    const key = (name: string, scopes: string[]) =>
      this.expect<CreatedApiKey>(201, 'POST', `${ws}/projects/${project.id}/api-keys`, { token, body: { name, scopes } });
    const all = await key('fuzz all', ['logs:write', 'logs:read']);
    const read = await key('fuzz read', ['logs:read']);
    const write = await key('fuzz write', ['logs:write']);
    const revoked = await key('fuzz revoked', ['logs:read']);
    for (const k of [all, read, write, revoked]) this.secrets.add(k.secret);
    await this.expect(200, 'DELETE', `${ws}/projects/${project.id}/api-keys/${revoked.id}`, { token });
    return { workspace: workspace.id, project: project.id, keys: { all, read, write, revoked }, invitation: invitation.id };
  }

  /**
   * The world's own requests go to the Worker's fetch handler directly, like the fuzzed ones, and
   * are contract-checked too. (Thousands of `exports.default.fetch` calls inside one test slow
   * down quadratically in vitest-pool-workers: even GET /v1/health takes 300 ms after 800 of them.)
   */
  async http(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<ApiResponse> {
    const headers = new Headers({ 'CF-Connecting-IP': '203.0.113.78' });
    if (options.token) headers.set('Authorization', `Bearer ${options.token}`);
    if (options.body !== undefined) headers.set('Content-Type', 'application/json');
    const request = new Request(`${ORIGIN}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const ctx = createExecutionContext();
    const res = await worker.fetch!(request as Request<unknown, IncomingRequestCfProperties>, env, ctx);
    const text = await responseText(res);
    await waitOnExecutionContext(ctx);
    const body = res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text;
    assertMatchesContract(method, request.url, res.status, res.headers, body);
    return { status: res.status, headers: res.headers, body, text };
  }

  /** The `data` of a response with this status; throws otherwise. */
  async expect<T = any>(status: number, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<T> {
    const res = await this.http(method, path, options);
    if (res.status !== status) throw new Error(`fuzz world: ${method} ${path} answered ${res.status}: ${res.text.slice(0, 300)}`);
    return res.body.data as T;
  }

  /** The newest one-time token mailed to an address (development outbox). */
  private async mailedToken(email: string): Promise<string> {
    const messages = await this.expect<{ token?: string }[]>(200, 'GET', `/v1/dev/outbox?to=${encodeURIComponent(email)}`);
    return messages[0]?.token ?? 'ott_none';
  }

  /**
   * After a request succeeded, the world may have changed under the fuzzer (a workspace deleted,
   * ownership transferred, a key revoked, a member promoted, an outsider joined, the invitation
   * accepted, declined or revoked): rebuild a
   * tenant whenever it is no longer exactly what the requests assume.
   */
  async ensureIntact() {
    for (const tenant of ['A', 'B'] as const) {
      const t = this.tenants[tenant];
      const other = tenant === 'A' ? 'B' : 'A';
      const row = await env.DB.prepare(
        `SELECT
           (SELECT role FROM workspace_members WHERE workspace_id = ?1 AND user_id = ?2) AS owner,
           (SELECT role FROM workspace_members WHERE workspace_id = ?1 AND user_id = ?3) AS member,
           (SELECT COUNT(*) FROM workspace_members WHERE workspace_id = ?1 AND user_id IN (?4, ?5)) AS outsiders,
           (SELECT COUNT(*) FROM projects WHERE id = ?6 AND workspace_id = ?1) AS project,
           (SELECT COUNT(*) FROM api_keys WHERE project_id = ?6 AND id IN (?7, ?8, ?9) AND revoked_at IS NULL) AS keys,
           (SELECT COUNT(*) FROM invitations WHERE id = ?10 AND workspace_id = ?1 AND expires_at > ?11) AS invitation`,
      )
        .bind(
          t.workspace,
          this.people[`${tenant}.owner`].user.id,
          this.people[`${tenant}.member`].user.id,
          this.people[`${other}.owner`].user.id,
          this.people[`${other}.member`].user.id,
          t.project,
          t.keys.all.id,
          t.keys.read.id,
          t.keys.write.id,
          t.invitation,
          new Date().toISOString(),
        )
        .first<{ owner: string | null; member: string | null; outsiders: number; project: number; keys: number; invitation: number }>();
      if (
        row?.owner !== 'owner' ||
        row.member !== 'member' ||
        row.outsiders !== 0 ||
        row.project !== 1 ||
        row.keys !== 3 ||
        row.invitation !== 1
      ) {
        this.rebuilds++;
        const t = performance.now();
        this.tenants[tenant] = await this.buildTenant(tenant);
        this.timing.rebuild += performance.now() - t;
      }
    }
  }

  /**
   * A current access token of the persona: signing in again before the 15 minutes run out, or when
   * a fuzzed request ended its session (logout, a replayed refresh token).
   */
  async accessToken(persona: Persona): Promise<string> {
    const person = this.people[persona];
    if (Date.now() - person.tokenAt > TOKEN_REFRESH_MS || !(await sessionIsLive(person.accessToken))) {
      const session = await this.expect(200, 'POST', '/v1/auth/login', { body: { email: person.email, password: person.password } });
      person.accessToken = session.accessToken;
      person.tokenAt = Date.now();
    }
    return person.accessToken;
  }

  /** The headers a symbolic credential stands for. */
  async credentialHeaders(credential: Credential): Promise<Record<string, string>> {
    const keyOf = (key: string) => {
      const [tenant, which = 'all'] = key.split('.') as [TenantName, 'read' | 'write' | 'revoked' | undefined];
      return this.tenants[tenant].keys[which ?? 'all'].secret;
    };
    switch (credential.kind) {
      case 'none':
        return {};
      case 'jwt':
        return { Authorization: `Bearer ${await this.accessToken(credential.user)}` };
      case 'key':
        return credential.via === 'bearer' ? { Authorization: `Bearer ${keyOf(credential.key)}` } : { 'X-API-Key': keyOf(credential.key) };
      case 'both':
        return { Authorization: `Bearer ${await this.accessToken(credential.user)}`, 'X-API-Key': keyOf(credential.key) };
      case 'bad':
        return badCredentialHeaders(credential.what, this.people['A.owner'].user.id);
    }
  }

  /** Resolves one placeholder (`id:A.project`, `email:spare`, `token:magic`, …) to a current world value. */
  async resolve(name: string): Promise<string> {
    const [kind, arg = ''] = name.split(':');
    const [tenant, what] = arg.split('.') as [TenantName, string];
    switch (kind) {
      case 'id':
        if (what === 'workspace') return this.tenants[tenant].workspace;
        if (what === 'project') return this.tenants[tenant].project;
        if (what === 'key') return this.tenants[tenant].keys.all.id;
        if (what === 'invitation') return this.tenants[tenant].invitation;
        return this.people[`${tenant}.${what}` as Persona].user.id;
      case 'email':
        return this.people[arg as Persona].email;
      case 'EMAIL':
        return this.people[arg as Persona].email.toUpperCase();
      case 'password':
        return this.people[arg as Persona].password;
      case 'slug': {
        const table = what === 'workspace' ? 'workspaces' : 'projects';
        const id = what === 'workspace' ? this.tenants[tenant].workspace : this.tenants[tenant].project;
        return (await env.DB.prepare(`SELECT slug FROM ${table} WHERE id = ?`).bind(id).first<string>('slug')) ?? 'gone';
      }
      case 'token': {
        if (arg === 'verify') {
          const email = uniqueEmail('fuzzverify');
          await this.expect(201, 'POST', '/v1/auth/register', { body: { email, password: 'correct-horse-battery', name: 'Fuzz verify' } });
          return this.mailedToken(email);
        }
        const spare = this.people.spare.email;
        await this.expect(200, 'POST', arg === 'magic' ? '/v1/auth/magic-link' : '/v1/auth/forgot-password', { body: { email: spare } });
        return this.mailedToken(spare);
      }
      case 'refresh': {
        await this.expect(200, 'POST', '/v1/auth/magic-link', { body: { email: this.people.spare.email } });
        const session = await this.expect(200, 'POST', '/v1/auth/magic-link/verify', {
          body: { token: await this.mailedToken(this.people.spare.email) },
        });
        return session.refreshToken;
      }
      case 'state': {
        const res = await this.http('GET', `/v1/auth/oauth/${arg}`);
        return new URL(res.headers.get('location') ?? 'http://x/').searchParams.get('state') ?? 'st_missing';
      }
      case 'cursor':
        return encodeCursor({ timestamp: new Date().toISOString(), id: 'log_00000000abcdefghij000' });
    }
    throw new Error(`unknown placeholder ${name}`);
  }

  /** Replaces every placeholder in a string (one resolution per placeholder and request). */
  private async fill(text: string, cache: Map<string, string>): Promise<string> {
    const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
    for (const name of names) if (!cache.has(name)) cache.set(name, await this.resolve(name));
    return text.replace(PLACEHOLDER, (_, name: string) => cache.get(name)!);
  }

  private async fillValue(value: unknown, cache: Map<string, string>): Promise<unknown> {
    if (typeof value === 'string') return this.fill(value, cache);
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const item of value) out.push(await this.fillValue(item, cache));
      return out;
    }
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value))
        Object.defineProperty(out, k, { value: await this.fillValue(v, cache), enumerable: true, configurable: true, writable: true });
      return out;
    }
    return value;
  }

  async rowCounts(): Promise<Record<string, number>> {
    const sql = `SELECT ${this.tables.map((t) => `(SELECT COUNT(*) FROM "${t}") AS "${t}"`).join(', ')}`;
    return (await env.DB.prepare(sql).first<Record<string, number>>())!;
  }

  /** Resolves, sends through the Worker's fetch handler with recording bindings, and waits for its background work. */
  async send(op: Operation, request: FuzzRequest): Promise<Sent> {
    const cache = new Map<string, string>();
    const raw = new Set(request.rawPathParams ?? []);
    let path = op.template;
    for (const param of op.pathParams) {
      const value = await this.fill(request.pathParams[param.name] ?? '', cache);
      path = path.replace(`{${param.name}}`, raw.has(param.name) ? value : encodeComponent(value));
    }
    const query: string[] = [];
    for (const part of request.query)
      query.push(`${encodeComponent(part.name)}=${part.raw ? part.value : encodeComponent(await this.fill(part.value, cache))}`);
    const url = `${ORIGIN}${path}${query.length ? `?${query.join('&')}` : ''}`;

    const headers: Record<string, string> = { 'CF-Connecting-IP': FUZZ_IP, ...(await this.credentialHeaders(request.credential)) };
    let bodyText: string | undefined;
    switch (request.body.kind) {
      case 'json': {
        const value = await this.fillValue(request.body.value, cache);
        bodyText = JSON.stringify(value) ?? 'null';
        break;
      }
      case 'text':
        bodyText = await this.fill(request.body.text, cache);
        break;
      case 'huge': {
        const { bytes, shape } = request.body;
        bodyText = shape === 'json' ? `{"message":"${'x'.repeat(Math.max(0, bytes - 14))}"}` : 'z'.repeat(bytes);
        break;
      }
    }
    if (bodyText !== undefined) {
      if (request.contentType === undefined) headers['Content-Type'] = 'application/json';
      else if (request.contentType !== null) headers['Content-Type'] = request.contentType;
    }
    const bytes = bodyText === undefined ? new Uint8Array() : new TextEncoder().encode(bodyText);
    let body: BodyInit | undefined = bodyText === undefined ? undefined : bytes;
    if (body !== undefined && request.stream) {
      body = new ReadableStream({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 16 * 1024) controller.enqueue(bytes.slice(at, at + 16 * 1024));
          controller.close();
        },
      });
    }

    // Tenancy is judged by membership before the request (a successful delete or leave changes it).
    const principal = this.principalOf(request.credential);
    let outsiderOf: string | undefined;
    if (principal.userId && op.pathParams.some((p) => p.name === 'workspaceId')) {
      const segment = new URL(url).pathname.split('/')[op.template.split('/').indexOf('{workspaceId}')];
      let workspaceId: string | undefined;
      try {
        workspaceId = segment === undefined ? undefined : decodeURIComponent(segment);
      } catch {
        workspaceId = undefined;
      }
      if (workspaceId !== undefined && !(await this.isMember(principal.userId, workspaceId))) outsiderOf = workspaceId;
    }

    const rec: Recorder = { writes: [] };
    const observed = {
      ...env,
      DB: recordingD1(env.DB, rec),
      CACHE: recordingKv(env.CACHE, rec),
      LOG_QUEUE: recordingQueue(env.LOG_QUEUE, rec),
      ARCHIVE: recordingR2(env.ARCHIVE, rec),
    } as Env;
    let t = performance.now();
    const rowsBefore = await this.rowCounts();
    this.timing.rows += performance.now() - t;
    t = performance.now();
    const req = new Request(url, { method: op.method, headers, body });
    const ctx = createExecutionContext();
    const res = await worker.fetch!(req as Request<unknown, IncomingRequestCfProperties>, observed, ctx);
    const text = await responseText(res);
    await waitOnExecutionContext(ctx);
    this.timing.fetch += performance.now() - t;
    let parsed: unknown = text;
    if (res.headers.get('content-type')?.startsWith('application/json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error(
          `${op.method} ${req.url} → ${res.status}: a JSON content type with a body that does not parse: ${text.slice(0, 200)}`,
        );
      }
    }
    const sent: Sent = {
      request,
      method: op.method,
      url: req.url,
      headers,
      bodyText,
      bodyBytes: bytes.byteLength,
      response: { status: res.status, headers: res.headers, body: parsed, text },
      writes: rec.writes,
      rowsBefore,
      outsiderOf,
    };
    t = performance.now();
    if (res.status >= 400) sent.rowsAfter = await this.rowCounts();
    else await this.afterSuccess(op, sent);
    this.timing.after += performance.now() - t;
    return sent;
  }

  /** Keeps the books after a success: accepted log ids, and the world intact for the next request. */
  private async afterSuccess(op: Operation, sent: Sent) {
    const body = sent.response.body as any;
    if (op.id === 'ingestLogs' && sent.response.status === 202) {
      const project = this.principalOf(sent.request.credential).keyProject!;
      for (const id of body.data.ids as string[]) this.accepted.set(id, project);
    }
    if (op.id === 'exportOtlpLogs' && sent.response.status === 200) {
      const project = this.principalOf(sent.request.credential).keyProject!;
      const records = ((JSON.parse(sent.bodyText ?? '{}').resourceLogs ?? []) as any[])
        .flatMap((resource) => resource?.scopeLogs ?? [])
        .reduce((sum: number, scope: any) => sum + (scope?.logRecords?.length ?? 0), 0);
      const rejected = Number(body?.partialSuccess?.rejectedLogRecords ?? 0);
      this.otlpAccepted.set(project, (this.otlpAccepted.get(project) ?? 0) + records - rejected);
    }
    const t = performance.now();
    if (op.method !== 'GET') await this.ensureIntact();
    this.timing.intact += performance.now() - t;
  }

  count(op: string, status: number) {
    const byStatus = this.stats.get(op) ?? new Map<string, number>();
    byStatus.set(String(status), (byStatus.get(String(status)) ?? 0) + 1);
    this.stats.set(op, byStatus);
  }

  /** Whether the user belongs to the workspace, straight from D1. */
  async isMember(userId: string, workspaceId: string): Promise<boolean> {
    return (
      (await env.DB.prepare('SELECT 1 AS yes FROM workspace_members WHERE workspace_id = ? AND user_id = ?')
        .bind(workspaceId, userId)
        .first()) !== null
    );
  }

  async canRead(userId: string, projectId: string): Promise<boolean> {
    return (
      (await env.DB.prepare(
        'SELECT 1 AS yes FROM projects p JOIN workspace_members m ON m.workspace_id = p.workspace_id WHERE p.id = ? AND m.user_id = ?',
      )
        .bind(projectId, userId)
        .first()) !== null
    );
  }

  /** The user a credential signs in as (validly signed tokens only), or the key it presents. */
  principalOf(credential: Credential): { userId?: string; keyProject?: string; scopes?: string[] } {
    if (credential.kind === 'jwt') return { userId: this.people[credential.user].user.id };
    if (credential.kind === 'bad' && credential.what === 'ghostUser') return { userId: 'usr_ghost0000000000000000' };
    if (credential.kind === 'key' && credential.key !== 'A.revoked') {
      const [tenant, which = 'all'] = credential.key.split('.') as [TenantName, 'read' | 'write' | undefined];
      const key = this.tenants[tenant].keys[which ?? 'all'];
      return { keyProject: key.projectId, scopes: key.scopes };
    }
    if (credential.kind === 'both') return { keyProject: this.tenants.A.project, scopes: ['logs:write', 'logs:read'] };
    return {};
  }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const CATALOG = Object.values(ERRORS);
/** Stack frames, SQL and exception text: none of it may reach a client. */
export const LEAK_PATTERNS = [
  /\bat\s+\S+\s+\(|\bat\s+\/|\.ts:\d+:\d+|\.js:\d+:\d+/,
  /SQLITE/i,
  /\bD1_/,
  /\bSELECT\b[\s\S]*\bFROM\b/i,
  /\bINSERT\s+INTO\b/i,
  /\b(?:Type|Reference|Syntax|Range)?Error:/,
  /no such (?:table|column)/i,
  /constraint failed/i,
  /workerd|miniflare/i,
];

/** Names of stored secrets, which no API response has any reason to mention. */
export const SECRET_WORDS = /pbkdf2|password_?hash|secret_?hash|token_?hash|\bsalt\b/i;

/** What presenting this credential to the operation must answer, decided before any validation (undefined: it gets through). */
function expectedAuthError(op: Operation, credential: Credential): { status: number; code: string; message: string } | undefined {
  type Presented = 'none' | 'jwt' | 'jwtExpired' | 'jwtInvalid' | 'keyInvalid' | `key:${string}`;
  const presented: Presented = (() => {
    switch (credential.kind) {
      case 'none':
        return 'none';
      case 'jwt':
        return 'jwt';
      case 'both':
        return 'key:logs:write logs:read'; // X-API-Key wins over Authorization
      case 'key':
        return credential.key === 'A.revoked'
          ? 'keyInvalid'
          : credential.key === 'A.read'
            ? 'key:logs:read'
            : credential.key === 'A.write'
              ? 'key:logs:write'
              : 'key:logs:write logs:read';
      case 'bad':
        if (credential.what === 'expired') return 'jwtExpired';
        if (credential.what === 'ghostUser') return 'jwt';
        if (credential.what === 'basicScheme' || credential.what === 'emptyBearer') return 'none';
        if (credential.what === 'unknownKey' || credential.what === 'hugeKey' || credential.what === 'oddKeyHeader') return 'keyInvalid';
        return 'jwtInvalid';
    }
  })();
  const e = (key: keyof typeof ERRORS) => ERRORS[key];
  const isKey = presented === 'keyInvalid' || presented.startsWith('key:');
  const { auth } = op;
  if (auth.has('none') && !auth.has('user')) return undefined; // open operations ignore credentials
  if (auth.has('none') && auth.has('user')) {
    // signing in is optional, but what is presented must be a valid user token
    if (presented === 'none' || presented === 'jwt') return undefined;
    return presented === 'jwtExpired' ? e('tokenExpired') : e('invalidToken');
  }
  if (presented === 'none') return e('authenticationRequired');
  if (auth.has('user') && !auth.has('apiKey')) {
    if (presented === 'jwt') return undefined;
    return presented === 'jwtExpired' ? e('tokenExpired') : e('invalidToken');
  }
  const scope = op.method === 'POST' ? 'logs:write' : 'logs:read';
  if (auth.has('apiKey') && !auth.has('user')) {
    if (!isKey || presented === 'keyInvalid') return e('invalidApiKey');
  } else {
    if (presented === 'jwtExpired') return e('tokenExpired');
    if (presented === 'jwtInvalid') return e('invalidToken');
    if (presented === 'keyInvalid') return e('invalidApiKey');
  }
  if (presented.startsWith('key:') && !presented.includes(scope)) return e('insufficientScope');
  return undefined;
}

/**
 * Whether the request is valid per the contract: 'invalid' when some parameter, the body or its
 * media type breaks it (the server must then refuse), 'ambiguous' where the contract does not
 * decide (raw encodings, repeated scalar parameters, `+json` media types, a BOM), else 'valid'.
 */
function contractVerdict(op: Operation, sent: Sent): { verdict: 'valid' | 'invalid' | 'ambiguous'; why: string[] } {
  const why: string[] = [];
  let ambiguous = false;
  const { request } = sent;
  const url = new URL(sent.url);
  if (request.rawPathParams?.length || request.query.some((p) => p.raw)) ambiguous = true;
  // Path parameters: what the server decodes.
  const segments = url.pathname.split('/');
  const templateSegments = op.template.split('/');
  if (segments.length !== templateSegments.length) ambiguous = true;
  else {
    templateSegments.forEach((segment, i) => {
      const name = /^\{(.+)\}$/.exec(segment)?.[1];
      if (!name) return;
      let value: string;
      try {
        value = decodeURIComponent(segments[i]);
      } catch {
        ambiguous = true;
        return;
      }
      const param = op.pathParams.find((p) => p.name === name)!;
      const errors = violations(param.schema, value);
      if (errors === undefined) ambiguous = true;
      else if (errors.length) why.push(`path ${name}: ${errors[0]}`);
    });
  }
  // Query parameters (form style; numbers as written).
  for (const param of op.queryParams) {
    const values = url.searchParams.getAll(param.name);
    const schema = deref(param.schema);
    if (values.length === 0) {
      if (param.required) why.push(`query ${param.name}: required`);
      continue;
    }
    const coerce = (type: string | undefined, v: string) =>
      (type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v) ? Number(v) : v;
    let value: unknown;
    if (schema.type === 'array') value = values.map((v) => coerce(deref(schema.items).type, v));
    else if (values.length > 1) {
      ambiguous = true;
      continue;
    } else value = coerce(schema.type, values[0]);
    const errors = violations(param.schema, value);
    if (errors === undefined) ambiguous = true;
    else if (errors.length) why.push(`query ${param.name}: ${errors[0]}`);
  }
  // The body.
  if (op.body) {
    if (sent.bodyText === undefined) {
      if (op.body.required) why.push('body: required');
    } else {
      const contentType = sent.headers['Content-Type'];
      const [media, ...params] = (contentType ?? '').split(';').map((s) => s.trim());
      if (contentType === undefined || media === '') why.push('body: no media type');
      else if (media !== 'application/json') {
        if (media.toLowerCase() === 'application/json' || /\+json$/i.test(media) || media.includes(',') || media.includes('*'))
          ambiguous = true;
        else why.push(`body: media type ${media} not declared`);
      } else if (params.some((p) => /^charset=/i.test(p) && !/^charset="?utf-8"?$/i.test(p))) ambiguous = true;
      if (request.body.kind === 'huge') {
        if (sent.bodyBytes > bodyLimitOf(op)) why.push('body: over the size limit');
        else ambiguous = true;
      } else if (sent.bodyText.startsWith('\uFEFF')) ambiguous = true;
      else {
        let parsed: unknown;
        try {
          parsed = JSON.parse(sent.bodyText);
        } catch {
          why.push('body: not JSON');
        }
        if (parsed !== undefined) {
          const errors = violations(op.body.schema, parsed);
          if (errors === undefined) ambiguous = true;
          else if (errors.length) why.push(`body: ${errors[0]}`);
        }
      }
    }
  }
  return { verdict: why.length ? 'invalid' : ambiguous ? 'ambiguous' : 'valid', why };
}

const inlined = new WeakMap<object, unknown>();
/**
 * The schema with every `$ref` replaced by its target. A recursive schema (OTLP's AnyValue) is
 * expanded twice on a path, one level more than the generators (fuzz-contract.ts) ever nest it,
 * and accepts anything below that.
 */
function inline(schema: any, depth = 0, onPath: string[] = []): any {
  if (depth > 64) throw new Error('schema too deep to inline');
  if (Array.isArray(schema)) return schema.map((s) => inline(s, depth + 1, onPath));
  if (!schema || typeof schema !== 'object') return schema;
  if (schema.$ref)
    return onPath.filter((ref) => ref === schema.$ref).length >= 2 ? {} : inline(deref(schema), depth + 1, [...onPath, schema.$ref]);
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [k, k === 'examples' || k === 'example' ? v : inline(v, depth + 1, onPath)]),
  );
}

/** JSON Schema errors of a value (through the independent validator), or undefined when the validator itself cannot judge it. */
function violations(schema: object, value: unknown): string[] | undefined {
  let rooted = inlined.get(schema);
  if (!rooted) inlined.set(schema, (rooted = inline(schema)));
  try {
    return schemaErrors(rooted, value);
  } catch {
    return undefined; // e.g. @cfworker/json-schema cannot build a pointer to a key with a lone surrogate
  }
}

/** Prints a sent request and its answer, for failure messages. */
function describeSent(sent: Sent): string {
  const body = sent.bodyText === undefined ? '' : `\n  body (${sent.bodyBytes} bytes): ${JSON.stringify(sent.bodyText.slice(0, 300))}`;
  const headers = Object.entries(sent.headers)
    .filter(([name]) => name !== 'CF-Connecting-IP')
    .map(([name, value]) => `${name}: ${value.length > 60 ? `${value.slice(0, 60)}…` : value}`)
    .join(' | ');
  return `${sent.method} ${sent.url}\n  headers: ${headers}${body}\n  → ${sent.response.status} ${sent.response.text.slice(0, 400)}`;
}

/**
 * Findings reported and not yet fixed in src/: a response that matches one is counted (and listed
 * at the end of the run) instead of failing the property, and each has its own `it.fails`
 * regression test in test/security.test.ts, which turns red the moment the fix lands, so that
 * its entry here is removed.
 */
// None open: F1–F4 are fixed, each with its regression test in test/security.test.ts.
export const KNOWN_FINDINGS: { id: string; title: string; matches: (op: Operation, sent: Sent) => boolean }[] = [];

/** The properties of one response. Throws, with the request and the response, on the first one broken. */
export async function checkResponse(world: FuzzWorld, op: Operation, sent: Sent): Promise<void> {
  const { response } = sent;
  const fail = (what: string) => {
    throw new Error(`${op.id}: ${what}\n  ${describeSent(sent)}`);
  };
  const body = response.body as any;
  const known = KNOWN_FINDINGS.find((finding) => finding.matches(op, sent));
  if (known) {
    world.findings.set(known.id, (world.findings.get(known.id) ?? 0) + 1);
    return;
  }

  // 1. Never a 5xx.
  if (response.status >= 500) fail(`answered ${response.status}`);

  // 2. The contract: a declared status, a body matching its schema, the required headers.
  try {
    assertMatchesContract(sent.method, sent.url, response.status, response.headers, body);
  } catch (error) {
    fail((error as Error).message);
  }
  const routed = operationFor(sent.method, new URL(sent.url).pathname)?.operation.operationId === op.id;

  // 3. Secrets never leave: the JWT and provider secrets, API key secrets after creation, hashes.
  const serverSecrets = [env.JWT_SECRET, env.GITHUB_CLIENT_SECRET, env.GOOGLE_CLIENT_SECRET, env.MAIL_API_KEY].filter(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  for (const secret of [...serverSecrets, ...world.secrets])
    if (response.text.includes(secret)) fail(`the response carries a secret (${secret.slice(0, 6)}…)`);
  if (op.id !== 'getDocs' && op.id !== 'getOpenApiDocument' && SECRET_WORDS.test(response.text))
    fail(`the response matches ${SECRET_WORDS}`);

  // 4. Errors: the seed's codes, the catalog's messages, the request id, and nothing internal.
  if (response.status >= 400) {
    const { code, message, details, requestId } = body?.error ?? {};
    if (!(code in ERROR_STATUS)) fail(`error code ${code} is not in the ErrorCode enum`);
    if (!CATALOG.some((entry) => entry.code === code && entry.status === response.status && entry.message === message))
      fail(`(${response.status}, ${code}, "${message}") is not in the error catalog`);
    if (requestId !== response.headers.get('x-request-id')) fail('error.requestId differs from X-Request-Id');
    if (details !== undefined && !(code === 'VALIDATION_ERROR' && response.status === 400)) fail('details outside a 400 VALIDATION_ERROR');
    for (const pattern of LEAK_PATTERNS) if (pattern.test(response.text)) fail(`error body matches ${pattern}`);

    // 5. A refused request writes nothing: no D1 row changed, no KV/R2 write, nothing queued, the same row counts.
    const writes = sent.writes.filter((w) => !ALLOWED_ON_REFUSAL.some((allowed) => allowed.test(w)));
    if (writes.length) fail(`refused, yet wrote:\n    ${writes.join('\n    ')}`);
    const changed = Object.keys(sent.rowsBefore).filter((table) => sent.rowsBefore[table] !== sent.rowsAfter?.[table]);
    if (changed.length)
      fail(`refused, yet row counts changed: ${changed.map((t) => `${t} ${sent.rowsBefore[t]} → ${sent.rowsAfter?.[t]}`).join(', ')}`);
  }

  if (!routed) return;
  const overLimit = sent.bodyBytes > bodyLimitOf(op) && sent.request.body.kind !== 'none';
  const tooLarge = response.status === 400 && body?.error?.message === ERRORS.bodyTooLarge.message;

  // 6. The body limit: bodies over it are refused before anything reads them.
  if (overLimit && !tooLarge) fail(`a body of ${sent.bodyBytes} bytes (limit ${bodyLimitOf(op)}) was not refused as too large`);
  if (tooLarge && !overLimit) fail('refused as too large under the limit');
  if (tooLarge) return;

  // 7. Credentials: missing, malformed, expired, forged or of the wrong kind get exactly the seed's 401/403, before validation.
  const authError = expectedAuthError(op, sent.request.credential);
  if (authError) {
    if (response.status !== authError.status || body?.error?.code !== authError.code || body?.error?.message !== authError.message) {
      fail(
        `expected ${authError.status} ${authError.code} "${authError.message}" for credential ${JSON.stringify(sent.request.credential)}`,
      );
    }
    return;
  }

  // 8. Tenancy: a signed-in user outside the workspace in the path gets 404 NOT_FOUND, whatever the route and the rest of the request.
  const principal = world.principalOf(sent.request.credential);
  if (sent.outsiderOf !== undefined) {
    if (response.status !== 404 || body?.error?.code !== 'NOT_FOUND')
      fail(`an outsider of workspace ${sent.outsiderOf} got ${response.status}, not 404 NOT_FOUND`);
    return;
  }
  // …and logs are only ever read from a project the caller may read.
  if (op.id === 'queryLogs' && response.status === 200) {
    const asked = new URL(sent.url).searchParams.get('projectId');
    const projects = new Set((body.data.entries as LogEntry[]).map((e) => e.projectId));
    const readable = principal.keyProject ?? asked;
    if (principal.keyProject && asked !== null && asked !== principal.keyProject)
      fail(`a key of ${principal.keyProject} read project ${asked}`);
    if (principal.userId && (asked === null || !(await world.canRead(principal.userId, asked))))
      fail(`user ${principal.userId} read project ${asked}`);
    for (const project of projects) if (project !== readable) fail(`entries of project ${project} in a page for ${readable}`);
  }

  // 9. Only requests valid per the contract are accepted.
  const { verdict, why } = contractVerdict(op, sent);
  if (response.status < 400 && verdict === 'invalid') fail(`accepted a request the contract refuses: ${why.join('; ')}`);
  if (response.status === 400 && verdict === 'valid') {
    const reason = `${op.id} ${body.error.message}: ${(body.error.details ?? []).map((d: { field: string; issue: string }) => `${d.field.replace(/\d+/g, 'N')} ${d.issue}`).join(', ')}`;
    world.validRefusals.set(reason, (world.validRefusals.get(reason) ?? 0) + 1);
  }
}
