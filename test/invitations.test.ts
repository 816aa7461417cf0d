// Invitations (issue 15, item 5): nobody becomes a member without accepting, and inviting tells
// nothing about which addresses have accounts. Replays the attack that direct adding allowed.
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiResponse, api, expectError } from './support/http';
import { createWorkspace, type Workspace } from './support/tenancy';
import { type SignedUpUser, signUp, uniqueEmail } from './support/users';

const outbox = async (email: string) =>
  (await api.get(`/v1/dev/outbox?to=${encodeURIComponent(email)}`)).body.data as { subject: string; text: string }[];
const workspaceIdsOf = async (user: SignedUpUser) =>
  (await api.get('/v1/workspaces', { token: user.accessToken })).body.data.map((w: Workspace) => w.id);
const invite = (token: string, workspaceId: string, email: string, role = 'member') =>
  api.post(`/v1/workspaces/${workspaceId}/invitations`, { email, role }, { token });
const accept = (token: string, id: string) => api.post(`/v1/me/invitations/${id}/accept`, undefined, { token });
const decline = (token: string, id: string) => api.post(`/v1/me/invitations/${id}/decline`, undefined, { token });
const mine = async (user: SignedUpUser) => (await api.get('/v1/me/invitations', { token: user.accessToken })).body.data as { id: string }[];
/** What a client can tell two answers apart by, leaving out what differs on every call. */
const shape = (res: ApiResponse) => ({
  status: res.status,
  keys: Object.keys(res.body.data).sort(),
  role: res.body.data.role,
  workspaceName: res.body.data.workspaceName,
});

afterEach(() => {
  vi.useRealTimers();
});

let admin: SignedUpUser;
let workspace: Workspace;
beforeAll(async () => {
  admin = await signUp({ name: 'Admin' });
  workspace = await createWorkspace(admin.accessToken, { name: 'Acme' });
});

describe('inviting (replaces adding members directly)', () => {
  it('no longer adds anyone directly: POST …/members is gone', async () => {
    const victim = await signUp({ name: 'Victim Person' });
    const res = await api.post(
      `/v1/workspaces/${workspace.id}/members`,
      { email: victim.email, role: 'admin' },
      { token: admin.accessToken },
    );
    expectError(res, 404, 'NOT_FOUND');
    expect(await workspaceIdsOf(victim)).not.toContain(workspace.id);
  });

  it('answers the same 201 whether or not the address has an account, with no name, and mails the address', async () => {
    const victim = await signUp({ name: 'Victim Person' });
    const nobody = uniqueEmail('nobody');
    const [known, unknown] = [
      await invite(admin.accessToken, workspace.id, victim.email),
      await invite(admin.accessToken, workspace.id, nobody),
    ];
    expect(shape(known)).toEqual(shape(unknown));
    expect(known.status).toBe(201);
    expect(known.text).not.toContain('Victim Person');
    expect(known.text).not.toContain(victim.user.id);
    for (const email of [victim.email, nobody])
      expect((await outbox(email))[0]).toMatchObject({ subject: 'You are invited to Acme on Loglane' });
    // Invited is not joined: the victim is no member until they accept.
    expect(await workspaceIdsOf(victim)).not.toContain(workspace.id);
    expectError(await api.get(`/v1/workspaces/${workspace.id}`, { token: victim.accessToken }), 404, 'NOT_FOUND');
  });

  it('lets the invitee accept: member with the invited role, invitation gone', async () => {
    const invitee = await signUp();
    const invitation = (await invite(admin.accessToken, workspace.id, invitee.email.toUpperCase(), 'admin')).body.data;
    expect(await mine(invitee)).toEqual([
      expect.objectContaining({ id: invitation.id, workspaceId: workspace.id, workspaceName: 'Acme', role: 'admin' }),
    ]);
    const joined = await accept(invitee.accessToken, invitation.id);
    expect(joined.status).toBe(200);
    expect(joined.body.data).toMatchObject({ id: workspace.id, role: 'admin' });
    expect(await mine(invitee)).toEqual([]);
    expectError(await accept(invitee.accessToken, invitation.id), 404, 'NOT_FOUND');
    // Now a member, the address cannot be invited again.
    expectError(await invite(admin.accessToken, workspace.id, invitee.email), 409, 'VALIDATION_ERROR', 'User is already a member');
  });

  it('lets the invitee decline: not a member, invitation gone', async () => {
    const invitee = await signUp();
    const invitation = (await invite(admin.accessToken, workspace.id, invitee.email)).body.data;
    expect((await decline(invitee.accessToken, invitation.id)).body.data).toEqual({ id: invitation.id, deleted: true });
    expect(await mine(invitee)).toEqual([]);
    expectError(await accept(invitee.accessToken, invitation.id), 404, 'NOT_FOUND');
    expect(await workspaceIdsOf(invitee)).not.toContain(workspace.id);
  });

  it('is invisible to anyone but the addressee: another user can neither see, accept nor decline it', async () => {
    const [invitee, thief] = [await signUp(), await signUp()];
    const invitation = (await invite(admin.accessToken, workspace.id, invitee.email)).body.data;
    expect(await mine(thief)).toEqual([]);
    expectError(await accept(thief.accessToken, invitation.id), 404, 'NOT_FOUND', 'Resource not found');
    expectError(await decline(thief.accessToken, invitation.id), 404, 'NOT_FOUND', 'Resource not found');
    expect(await workspaceIdsOf(thief)).not.toContain(workspace.id);
    expect((await mine(invitee)).map((i) => i.id)).toEqual([invitation.id]);
  });

  it('renews an invitation sent again (one per address), and lets admins list and revoke them', async () => {
    const invitee = await signUp();
    const first = (await invite(admin.accessToken, workspace.id, invitee.email, 'member')).body.data;
    const second = (await invite(admin.accessToken, workspace.id, invitee.email, 'admin')).body.data;
    expect(second).toMatchObject({ id: first.id, role: 'admin' });
    const listed = (await api.get(`/v1/workspaces/${workspace.id}/invitations`, { token: admin.accessToken })).body.data;
    expect(listed.filter((i: { email: string }) => i.email === invitee.email)).toHaveLength(1);
    const revoked = await api.delete(`/v1/workspaces/${workspace.id}/invitations/${first.id}`, { token: admin.accessToken });
    expect(revoked.body.data).toEqual({ id: first.id, deleted: true });
    expectError(await api.delete(`/v1/workspaces/${workspace.id}/invitations/${first.id}`, { token: admin.accessToken }), 404, 'NOT_FOUND');
    expectError(await accept(invitee.accessToken, first.id), 404, 'NOT_FOUND');
    expect(await mine(invitee)).toEqual([]);
  });

  it('refuses the owner role and a malformed address with 400 details', async () => {
    for (const [body, field] of [
      [{ email: uniqueEmail(), role: 'owner' }, 'role'],
      [{ email: 'not-an-address', role: 'member' }, 'email'],
    ] as const) {
      const res = await api.post(`/v1/workspaces/${workspace.id}/invitations`, body, { token: admin.accessToken });
      expectError(res, 400, 'VALIDATION_ERROR', 'Invalid input');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });

  it('expires after 7 days: no longer listed, and 404 to accept', async () => {
    const invitee = await signUp();
    const invitation = (await invite(admin.accessToken, workspace.id, invitee.email)).body.data;
    expect(Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)).toBe(7 * 24 * 60 * 60 * 1000);
    vi.setSystemTime(Date.parse(invitation.expiresAt) + 1000);
    // The access tokens expired meanwhile too: sign in again at the new time.
    const [inviteeToken, adminToken] = await Promise.all(
      [invitee, admin].map(
        async (user) => (await api.post('/v1/auth/login', { email: user.email, password: user.password })).body.data.accessToken as string,
      ),
    );
    expect((await api.get('/v1/me/invitations', { token: inviteeToken })).body.data).toEqual([]);
    const listed = (await api.get(`/v1/workspaces/${workspace.id}/invitations`, { token: adminToken })).body.data;
    expect(listed.map((i: { id: string }) => i.id)).not.toContain(invitation.id);
    expectError(await accept(inviteeToken, invitation.id), 404, 'NOT_FOUND');
  });

  it('is deleted with its workspace', async () => {
    const doomed = await createWorkspace(admin.accessToken);
    await invite(admin.accessToken, doomed.id, uniqueEmail());
    expect((await api.delete(`/v1/workspaces/${doomed.id}`, { token: admin.accessToken })).status).toBe(200);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM invitations WHERE workspace_id = ?').bind(doomed.id).first('n')).toBe(0);
  });
});
