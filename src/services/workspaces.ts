// Workspaces: the tenants. The caller's membership comes from the role guard, which has already
// answered 404 to outsiders and 403 to roles too low for the route.
import type { z } from 'zod';
import type { zCreateWorkspaceRequest } from '../../generated/zod/zod.gen';
import { nowIso } from '../lib/clock';
import { randomId } from '../lib/crypto';
import { ApiError } from '../lib/errors';
import { endApiKeys } from '../rate-limit/objects';
import { activeApiKeyIdsOf } from '../repositories/api-keys';
import { pendingPurges } from '../repositories/projects';
import * as repo from '../repositories/workspaces';
import { MAX_PURGES_SCHEDULED, schedulePurges } from '../retention/purge';
import type { Membership } from '../types';

export type WorkspaceView = repo.WorkspaceView;

/** Creates a workspace whose owner is the creator; 409 when the slug is taken anywhere in Loglane. */
export async function createWorkspace(env: Env, userId: string, input: z.infer<typeof zCreateWorkspaceRequest>): Promise<WorkspaceView> {
  const now = nowIso();
  const workspace = { id: randomId('ws'), name: input.name, slug: input.slug, createdAt: now, updatedAt: now };
  if (!(await repo.insertWorkspaceWithOwner(env.DB, workspace, userId))) throw ApiError.of('slugTaken');
  return { ...workspace, role: 'owner' };
}

export const listWorkspaces = (env: Env, userId: string): Promise<WorkspaceView[]> => repo.listWorkspacesOfUser(env.DB, userId);

/** The workspace as the member sees it (with their role). */
export async function getWorkspace(env: Env, membership: Membership): Promise<WorkspaceView> {
  const workspace = await repo.findWorkspace(env.DB, membership.workspaceId);
  // Deleted between the guard and here.
  if (!workspace) throw ApiError.of('notFound');
  return { ...workspace, role: await membership.role() };
}

export async function updateWorkspace(env: Env, membership: Membership, changes: repo.WorkspaceChanges): Promise<WorkspaceView> {
  const updated = await repo.updateWorkspace(env.DB, membership.workspaceId, changes, nowIso());
  if (updated) return { ...updated, role: await membership.role() };
  // No row: either the workspace vanished meanwhile, or the slug belongs to another one.
  if (!(await repo.findWorkspace(env.DB, membership.workspaceId))) throw ApiError.of('notFound');
  throw ApiError.of('slugTaken');
}

/**
 * Deletes the workspace with everything in it (members, projects, keys) in one batch; its projects'
 * logs are unreachable at once and purged in the background.
 */
export async function deleteWorkspace(env: Env, workspaceId: string): Promise<{ id: string; deleted: true }> {
  await endApiKeys(env, await activeApiKeyIdsOf(env.DB, { workspaceId }));
  await repo.deleteWorkspace(env.DB, workspaceId, nowIso());
  await schedulePurges(env, await pendingPurges(env.DB, MAX_PURGES_SCHEDULED, workspaceId));
  return { id: workspaceId, deleted: true };
}
