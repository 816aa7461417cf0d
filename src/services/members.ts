// Workspace members and ownership. Who may call what is decided by the role guard; the rules
// here are the ones about the target: the owner is changed only by a transfer.
import { ApiError } from '../lib/errors';
import * as repo from '../repositories/members';
import type { Role } from '../repositories/workspaces';
import type { Membership } from '../types';
import { getWorkspace, type WorkspaceView } from './workspaces';

export type { Role };
export type AssignableRole = repo.AssignableRole;

export const listMembers = (env: Env, workspaceId: string): Promise<repo.Member[]> => repo.listMembers(env.DB, workspaceId);

export async function changeRole(env: Env, workspaceId: string, userId: string, role: AssignableRole): Promise<repo.Member> {
  await refuseOwner(env, workspaceId, userId);
  // The update itself spares the owner: false means a transfer made this member the owner meanwhile.
  if (!(await repo.updateMemberRole(env.DB, workspaceId, userId, role))) throw ApiError.of('ownerRoleFixed');
  return existingMember(env, workspaceId, userId);
}

/** Removes a member (or lets one leave); the owner can neither be removed nor leave. */
export async function removeMember(env: Env, workspaceId: string, userId: string): Promise<{ id: string; deleted: true }> {
  await refuseOwner(env, workspaceId, userId);
  // As above: the delete spares the owner even if ownership moved since the check.
  if (!(await repo.deleteMember(env.DB, workspaceId, userId))) throw ApiError.of('ownerRoleFixed');
  return { id: userId, deleted: true };
}

/** Hands the workspace to another member; the caller (the owner) becomes an admin. */
export async function transferOwnership(env: Env, owner: Membership, toUserId: string): Promise<WorkspaceView> {
  if (toUserId === owner.userId) throw ApiError.of('invalidInput', [{ field: 'userId', issue: 'Already the owner' }]);
  await existingMember(env, owner.workspaceId, toUserId);
  if (!(await repo.transferOwnership(env.DB, owner.workspaceId, owner.userId, toUserId))) {
    // Nothing changed: the caller stopped being the owner, or the target left, since the checks.
    const stillOwner = (await repo.findRole(env.DB, owner.workspaceId, owner.userId)) === 'owner';
    throw ApiError.of(stillOwner ? 'notFound' : 'onlyOwnerCanTransfer');
  }
  return getWorkspace(env, { ...owner, role: async () => 'admin' });
}

async function existingMember(env: Env, workspaceId: string, userId: string): Promise<repo.Member> {
  const member = await repo.findMember(env.DB, workspaceId, userId);
  if (!member) throw ApiError.of('notFound');
  return member;
}

/** 404 for a non-member, 403 for the owner: the checks before changing someone's membership. */
async function refuseOwner(env: Env, workspaceId: string, userId: string): Promise<void> {
  if ((await existingMember(env, workspaceId, userId)).role === 'owner') throw ApiError.of('ownerRoleFixed');
}
