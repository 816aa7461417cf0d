// Invitations: the only way into a workspace besides creating it. An admin invites an address; the
// person who proves that address accepts or declines. Inviting never looks at whether an account
// exists, so the answer (and the mail) is the same either way.
import type { z } from 'zod';
import type { zInviteRequest } from '../../generated/zod/zod.gen';
import { isoIn, nowIso } from '../lib/clock';
import { randomId } from '../lib/crypto';
import { ApiError } from '../lib/errors';
import * as repo from '../repositories/invitations';
import { findRole } from '../repositories/members';
import { mailerFor } from './mailer';
import { getWorkspace, type WorkspaceView } from './workspaces';

const INVITATION_TTL_SECONDS = 7 * 24 * 60 * 60;

/** Invites (or re-invites) an address and mails it; 409 when it belongs to a member already. */
export async function invite(env: Env, workspaceId: string, input: z.infer<typeof zInviteRequest>): Promise<repo.Invitation> {
  const invitation = await repo.upsertInvitation(env.DB, {
    id: randomId('inv'),
    workspaceId,
    ...input,
    createdAt: nowIso(),
    expiresAt: isoIn(INVITATION_TTL_SECONDS),
  });
  if (!invitation) throw ApiError.of('memberExists');
  await mailerFor(env).send({
    to: invitation.email,
    subject: `You are invited to ${invitation.workspaceName} on Loglane`,
    text:
      `You are invited to join the Loglane workspace "${invitation.workspaceName}" as ${invitation.role}.\n\n` +
      `Sign in (or sign up) with this address at ${env.PUBLIC_BASE_URL} to accept or decline; the invitation is open until ${invitation.expiresAt}.\n\n` +
      'If you do not expect it, ignore this email: nobody joins a workspace without accepting.',
  });
  return invitation;
}

export const listForWorkspace = (env: Env, workspaceId: string) => repo.listWorkspaceInvitations(env.DB, workspaceId, nowIso());

export async function revoke(env: Env, workspaceId: string, invitationId: string) {
  if (!(await repo.deleteWorkspaceInvitation(env.DB, workspaceId, invitationId))) throw ApiError.of('notFound');
  return { id: invitationId, deleted: true as const };
}

export const listForUser = (env: Env, userId: string) => repo.listUserInvitations(env.DB, userId, nowIso());

/** Joins the workspace of an open invitation addressed to the user; to anyone else it does not exist (404). */
export async function accept(env: Env, userId: string, invitationId: string): Promise<WorkspaceView> {
  const workspaceId = await repo.acceptInvitation(env.DB, invitationId, userId, nowIso());
  const role = workspaceId && (await findRole(env.DB, workspaceId, userId));
  if (!workspaceId || !role) throw ApiError.of('notFound');
  return getWorkspace(env, { workspaceId, userId, role: async () => role });
}

export async function decline(env: Env, userId: string, invitationId: string) {
  if (!(await repo.declineInvitation(env.DB, invitationId, userId, nowIso()))) throw ApiError.of('notFound');
  return { id: invitationId, deleted: true as const };
}
