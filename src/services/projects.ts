// Projects inside a workspace. Every project is looked up together with its workspace, so an id
// from another tenant is simply not found.
import type { z } from 'zod';
import type { zCreateProjectRequest } from '../../generated/zod/zod.gen';
import { nowIso } from '../lib/clock';
import { randomId } from '../lib/crypto';
import { ApiError } from '../lib/errors';
import { placeNewProject } from '../lib/shards';
import { endApiKeys } from '../rate-limit/objects';
import { activeApiKeyIdsOf } from '../repositories/api-keys';
import * as repo from '../repositories/projects';
import { schedulePurges } from '../retention/purge';

export type Project = repo.Project;

const DEFAULT_RETENTION_DAYS = 30;

/** The project of a user's workspace, for routes addressed by project id only (GET /v1/logs with a JWT). */
export async function projectForMember(
  env: Env,
  userId: string,
  projectId: string,
): Promise<{ id: string; workspaceId: string; retentionDays: number }> {
  const project = await repo.findProjectForMember(env.DB, userId, projectId);
  if (!project) throw ApiError.of('notFound');
  return { id: project.id, workspaceId: project.workspaceId, retentionDays: project.retentionDays };
}

/** The project, if it belongs to the workspace; 404 otherwise. */
export async function projectInWorkspace(env: Env, workspaceId: string, projectId: string): Promise<Project> {
  const project = await repo.findProjectInWorkspace(env.DB, workspaceId, projectId);
  if (!project) throw ApiError.of('notFound');
  return project;
}

export async function createProject(env: Env, workspaceId: string, input: z.infer<typeof zCreateProjectRequest>): Promise<Project> {
  const now = nowIso();
  const project: Project = {
    id: randomId('prj'),
    workspaceId,
    name: input.name,
    slug: input.slug,
    retentionDays: input.retentionDays ?? DEFAULT_RETENTION_DAYS,
    createdAt: now,
    updatedAt: now,
  };
  if (!(await repo.insertProject(env.DB, project, placeNewProject(env)))) throw ApiError.of('slugTaken');
  return project;
}

export const listProjects = (env: Env, workspaceId: string): Promise<Project[]> => repo.listProjects(env.DB, workspaceId);

export async function updateProject(env: Env, workspaceId: string, projectId: string, changes: repo.ProjectChanges): Promise<Project> {
  await projectInWorkspace(env, workspaceId, projectId);
  const updated = await repo.updateProject(env.DB, workspaceId, projectId, changes, nowIso());
  if (updated) return updated;
  // No row: the slug is used by another project of the workspace (or the project vanished meanwhile).
  await projectInWorkspace(env, workspaceId, projectId);
  throw ApiError.of('slugTaken');
}

/**
 * Deletes the project with its API keys (refused from the next request on) in one batch; its logs
 * are unreachable at once and purged in the background.
 */
export async function deleteProject(env: Env, workspaceId: string, projectId: string): Promise<{ id: string; deleted: true }> {
  await projectInWorkspace(env, workspaceId, projectId);
  await endApiKeys(env, await activeApiKeyIdsOf(env.DB, { projectId }));
  await repo.deleteProject(env.DB, projectId, nowIso());
  await schedulePurges(env, [projectId]);
  return { id: projectId, deleted: true };
}
