import { success } from '../../lib/envelope';
import type { RouteHandler } from '../../lib/openapi-runtime';
import { currentMembership } from '../../middleware/authorization';
import * as projects from '../../services/projects';
import type { AppEnv } from '../../types';
import type { createProjectRoute, deleteProjectRoute, getProjectRoute, listProjectsRoute, updateProjectRoute } from './projects.routes';

// The workspace comes from the role guard's membership, never from the path alone.

export const createProject: RouteHandler<typeof createProjectRoute, AppEnv> = async (c) =>
  c.json(success(await projects.createProject(c.env, currentMembership(c).workspaceId, c.req.valid('json'))), 201);

export const listProjects: RouteHandler<typeof listProjectsRoute, AppEnv> = async (c) =>
  c.json(success(await projects.listProjects(c.env, currentMembership(c).workspaceId)), 200);

export const getProject: RouteHandler<typeof getProjectRoute, AppEnv> = async (c) =>
  c.json(success(await projects.projectInWorkspace(c.env, currentMembership(c).workspaceId, c.req.valid('param').projectId)), 200);

export const updateProject: RouteHandler<typeof updateProjectRoute, AppEnv> = async (c) =>
  c.json(
    success(await projects.updateProject(c.env, currentMembership(c).workspaceId, c.req.valid('param').projectId, c.req.valid('json'))),
    200,
  );

export const deleteProject: RouteHandler<typeof deleteProjectRoute, AppEnv> = async (c) =>
  c.json(success(await projects.deleteProject(c.env, currentMembership(c).workspaceId, c.req.valid('param').projectId)), 200);
