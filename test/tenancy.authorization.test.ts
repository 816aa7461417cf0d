// The authorization matrix: every workspace, member, project and API-key operation × every kind of
// caller × {the caller's own workspace, another tenant's ids, another tenant's ids under the
// caller's own workspace} → the exact status, code and message. Outsiders must learn nothing: to
// them every id is 404, whatever the route.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import contract from '../generated/openapi.internal.json';
import { type ApiResponse, expectError, type RequestOptions, request } from './support/http';
import { addMember, createApiKey, createProject, createWorkspace, uniqueSlug } from './support/tenancy';
import { type SignedUpUser, signUp } from './support/users';

type Role = 'member' | 'admin' | 'owner';
type Ids = { workspaceId: string; projectId: string; keyId: string; userId: string; invitationId: string };
type Operation = {
  id: string;
  /** The 403 message for a role below the contract's x-required-role. */
  denied?: string;
  /** Whether the path (or body) names something inside the workspace: project, key, member or invitation. */
  hasChild?: boolean;
  success: number;
  /** Changes nothing the other cases rely on, so it may run in the shared world. */
  readOnly?: boolean;
  send: (ids: Ids, auth: RequestOptions) => Promise<ApiResponse>;
};

// Signed up once in beforeAll.
const users = {} as Record<'owner' | 'admin' | 'member' | 'extra' | 'candidate' | 'outsider' | 'otherOwner', SignedUpUser>;

const ws = (ids: Ids) => `/v1/workspaces/${ids.workspaceId}`;
const prj = (ids: Ids) => `${ws(ids)}/projects/${ids.projectId}`;

const OPERATIONS: Operation[] = [
  {
    id: 'createWorkspace',
    success: 201,
    send: (_, a) => request('POST', '/v1/workspaces', { ...a, body: { name: 'New', slug: uniqueSlug('ws') } }),
  },
  { id: 'listWorkspaces', readOnly: true, success: 200, send: (_, a) => request('GET', '/v1/workspaces', a) },
  { id: 'getWorkspace', readOnly: true, success: 200, send: (i, a) => request('GET', ws(i), a) },
  { id: 'updateWorkspace', success: 200, send: (i, a) => request('PATCH', ws(i), { ...a, body: { name: 'Renamed' } }) },
  { id: 'deleteWorkspace', success: 200, send: (i, a) => request('DELETE', ws(i), a) },
  { id: 'listMembers', readOnly: true, success: 200, send: (i, a) => request('GET', `${ws(i)}/members`, a) },
  {
    id: 'createInvitation',
    success: 201,
    send: (i, a) => request('POST', `${ws(i)}/invitations`, { ...a, body: { email: users.candidate.email, role: 'member' } }),
  },
  { id: 'listInvitations', readOnly: true, success: 200, send: (i, a) => request('GET', `${ws(i)}/invitations`, a) },
  { id: 'revokeInvitation', hasChild: true, success: 200, send: (i, a) => request('DELETE', `${ws(i)}/invitations/${i.invitationId}`, a) },
  {
    id: 'updateMember',
    hasChild: true,
    success: 200,
    send: (i, a) => request('PATCH', `${ws(i)}/members/${i.userId}`, { ...a, body: { role: 'admin' } }),
  },
  { id: 'removeMember', hasChild: true, success: 200, send: (i, a) => request('DELETE', `${ws(i)}/members/${i.userId}`, a) },
  {
    id: 'transferOwnership',
    denied: 'Only owner can transfer',
    hasChild: true,
    success: 200,
    send: (i, a) => request('POST', `${ws(i)}/transfer-ownership`, { ...a, body: { userId: i.userId } }),
  },
  {
    id: 'createProject',
    success: 201,
    send: (i, a) => request('POST', `${ws(i)}/projects`, { ...a, body: { name: 'New', slug: uniqueSlug('prj') } }),
  },
  { id: 'listProjects', readOnly: true, success: 200, send: (i, a) => request('GET', `${ws(i)}/projects`, a) },
  { id: 'getProject', hasChild: true, readOnly: true, success: 200, send: (i, a) => request('GET', prj(i), a) },
  { id: 'updateProject', hasChild: true, success: 200, send: (i, a) => request('PATCH', prj(i), { ...a, body: { retentionDays: 90 } }) },
  { id: 'deleteProject', hasChild: true, success: 200, send: (i, a) => request('DELETE', prj(i), a) },
  {
    id: 'createApiKey',
    hasChild: true,
    success: 201,
    send: (i, a) => request('POST', `${prj(i)}/api-keys`, { ...a, body: { name: 'k', scopes: ['logs:read'] } }),
  },
  { id: 'listApiKeys', hasChild: true, readOnly: true, success: 200, send: (i, a) => request('GET', `${prj(i)}/api-keys`, a) },
  { id: 'revokeApiKey', hasChild: true, success: 200, send: (i, a) => request('DELETE', `${prj(i)}/api-keys/${i.keyId}`, a) },
];

type Actor = Role | 'outsider' | 'anonymous' | 'expired' | 'apiKeyBearer' | 'apiKeyHeader';
const ACTORS: Actor[] = ['owner', 'admin', 'member', 'outsider', 'anonymous', 'expired', 'apiKeyBearer', 'apiKeyHeader'];

/** own: the actor's workspace; foreign: another tenant's; foreignChild: own workspace, the other tenant's project/key/user ids. */
type Target = 'own' | 'foreign' | 'foreignChild';

/** The lowest role allowed, as the contract states it (x-required-role); undefined outside any workspace. */
const CONTRACT_OPERATIONS = Object.values(contract.paths).flatMap(
  (item) => Object.values(item) as { operationId: string; 'x-required-role'?: Role }[],
);
const minimumOf = (op: Operation): Role | undefined =>
  CONTRACT_OPERATIONS.find((operation) => operation.operationId === op.id)?.['x-required-role'];

type Expected = { status: number; code?: string; message?: string };
const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };
const notFound: Expected = { status: 404, code: 'NOT_FOUND', message: 'Resource not found' };

function expected(op: Operation, actor: Actor, target: Target): Expected {
  if (actor === 'anonymous') return { status: 401, code: 'UNAUTHORIZED', message: 'Authentication required' };
  if (actor === 'expired') return { status: 401, code: 'UNAUTHORIZED', message: 'Token expired' };
  // A key is not a user: the user routes refuse it as a token.
  if (actor === 'apiKeyBearer' || actor === 'apiKeyHeader') return { status: 401, code: 'UNAUTHORIZED', message: 'Invalid token' };
  const minimum = minimumOf(op);
  if (!minimum) return { status: op.success };
  // Membership is checked before anything else, so outsiders cannot tell which ids exist.
  if (actor === 'outsider' || target === 'foreign') return notFound;
  if (RANK[actor] < RANK[minimum]) return { status: 403, code: 'FORBIDDEN', message: op.denied ?? 'Insufficient role' };
  if (target === 'foreignChild') return notFound;
  return { status: op.success };
}

let shared: { own: Ids; secret: string };
let foreign: Ids;

/** Tenant A: the actors' workspace with its admin, member, an extra member (the target of member operations), a project and a key. */
async function buildOwnWorld(): Promise<{ own: Ids; secret: string }> {
  const token = users.owner.accessToken;
  const workspace = await createWorkspace(token);
  const [project] = await Promise.all([
    createProject(token, workspace.id),
    addMember(token, workspace.id, users.admin, 'admin'),
    addMember(token, workspace.id, users.member, 'member'),
    addMember(token, workspace.id, users.extra, 'member'),
  ]);
  const [key, invitationId] = await Promise.all([createApiKey(token, workspace.id, project.id), invite(token, workspace.id)]);
  return {
    own: { workspaceId: workspace.id, projectId: project.id, keyId: key.id, userId: users.extra.user.id, invitationId },
    secret: key.secret,
  };
}

/** An open invitation of the workspace (to an address without an account), by its id. */
async function invite(token: string, workspaceId: string): Promise<string> {
  const res = await request('POST', `/v1/workspaces/${workspaceId}/invitations`, {
    token,
    body: { email: `invitee-${crypto.randomUUID()}@example.com`, role: 'member' },
  });
  if (res.status !== 201) throw new Error(`inviting answered ${res.status}: ${res.text.slice(0, 300)}`);
  return res.body.data.id;
}

/** Tenant B, which none of the actors belongs to: its owner's workspace with a project and a key. */
async function buildForeignWorld(): Promise<Ids> {
  const token = users.otherOwner.accessToken;
  const workspace = await createWorkspace(token);
  const project = await createProject(token, workspace.id);
  const [key, invitationId] = await Promise.all([createApiKey(token, workspace.id, project.id), invite(token, workspace.id)]);
  return { workspaceId: workspace.id, projectId: project.id, keyId: key.id, userId: users.otherOwner.user.id, invitationId };
}

/** What the shared worlds' owners see of them: who has which role, and which keys the project has. */
async function fixtureOf(ids: Ids, token: string) {
  const [members, keys] = await Promise.all([
    request('GET', `${ws(ids)}/members`, { token }),
    request('GET', `${prj(ids)}/api-keys`, { token }),
  ]);
  return {
    members: [members.status, members.body.data?.map((m: { userId: string; role: string }) => `${m.userId}:${m.role}`).sort()],
    keys: [keys.status, keys.body.data?.map((k: { id: string }) => k.id).sort()],
  };
}
const sharedFixture = () => Promise.all([fixtureOf(shared.own, users.owner.accessToken), fixtureOf(foreign, users.otherOwner.accessToken)]);
let sharedAsBuilt: Awaited<ReturnType<typeof sharedFixture>>;
const buildShared = async () => {
  [shared, foreign] = await Promise.all([buildOwnWorld(), buildForeignWorld()]);
  sharedAsBuilt = await sharedFixture();
};

beforeAll(async () => {
  const names = ['owner', 'admin', 'member', 'extra', 'candidate', 'outsider', 'otherOwner'] as const;
  const signedUp = await Promise.all(names.map((name) => signUp({ name })));
  names.forEach((name, i) => (users[name] = signedUp[i]));
  await buildShared();
}, 60_000);

afterEach(() => {
  vi.useRealTimers();
});

function authFor(actor: Actor, secret: string): RequestOptions {
  switch (actor) {
    case 'anonymous':
      return {};
    case 'expired':
      return { token: users.owner.accessToken };
    case 'apiKeyBearer':
      return { token: secret };
    case 'apiKeyHeader':
      return { headers: { 'X-API-Key': secret } };
    default:
      return { token: users[actor].accessToken };
  }
}

/** Operations outside a workspace have no other tenant's ids to try; only those with a child id have a foreignChild. */
const targetsOf = (op: Operation): Target[] =>
  !minimumOf(op) ? ['own'] : op.hasChild ? ['own', 'foreign', 'foreignChild'] : ['own', 'foreign'];

/** The operations that can take away what other cases rely on: a workspace, project, key, member or role. */
const REMOVES = ['deleteWorkspace', 'updateMember', 'removeMember', 'transferOwnership', 'deleteProject', 'revokeApiKey'];

const cases = OPERATIONS.flatMap((op) =>
  ACTORS.flatMap((actor) => targetsOf(op).map((target) => ({ op, actor, target, want: expected(op, actor, target) }))),
);

describe('authorization matrix', () => {
  it('covers every operation under /v1/workspaces in the contract', () => {
    const inContract = Object.entries(contract.paths)
      .filter(([path]) => path.startsWith('/v1/workspaces'))
      .flatMap(([, item]) => Object.values(item).map((operation) => (operation as { operationId: string }).operationId));
    expect(OPERATIONS.map((op) => op.id).sort()).toEqual(inContract.sort());
  });

  it.each(
    cases.map((c) => [`${c.op.id} × ${c.actor} × ${c.target} → ${c.want.status}${c.want.message ? ` ${c.want.message}` : ''}`, c] as const),
  )(
    '%s',
    async (_, { op, actor, target, want }) => {
      // A call expected to succeed may change things (deletes, transfers): it gets a world of its own.
      const world = want.status < 300 && !op.readOnly ? await buildOwnWorld() : shared;
      const ids =
        target === 'own'
          ? world.own
          : target === 'foreign'
            ? foreign
            : {
                ...world.own,
                projectId: foreign.projectId,
                keyId: foreign.keyId,
                userId: foreign.userId,
                invitationId: foreign.invitationId,
              };
      // The Worker shares the test's clock: 16 minutes on, the 15-minute access token has expired.
      if (actor === 'expired') vi.setSystemTime(Date.now() + 16 * 60 * 1000);
      const res = await op.send(ids, authFor(actor, world.secret));
      // A refused call must leave the shared worlds alone. Had it removed something from them (a
      // foreign project deleted, say), later cases would answer 404 for the wrong reason and pass
      // (issue 20: that hid the bug in five cases): it fails here, and later cases get new worlds.
      if (world === shared && REMOVES.includes(op.id)) {
        vi.useRealTimers();
        if (JSON.stringify(await sharedFixture()) !== JSON.stringify(sharedAsBuilt)) {
          await buildShared();
          throw new Error(`${op.id} × ${actor} × ${target} changed the shared worlds (rebuilt for the cases after it)`);
        }
      }
      if (want.code) expectError(res, want.status, want.code, want.message);
      else {
        expect(res.status, res.text).toBe(want.status);
        expect(res.body.success).toBe(true);
      }
    },
    30_000,
  ); // a world of its own is six requests: generous for a busy machine

  it('left the shared worlds as they were', async () => {
    expect(await sharedFixture()).toEqual(sharedAsBuilt);
  });
});
