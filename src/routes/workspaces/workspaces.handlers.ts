import { success } from '../../lib/envelope';
import type { RouteHandler } from '../../lib/openapi-runtime';
import { currentUserId } from '../../middleware/auth';
import { currentMembership } from '../../middleware/authorization';
import * as workspaces from '../../services/workspaces';
import type { AppEnv } from '../../types';
import type {
  createWorkspaceRoute,
  deleteWorkspaceRoute,
  getWorkspaceRoute,
  listWorkspacesRoute,
  updateWorkspaceRoute,
} from './workspaces.routes';

export const createWorkspace: RouteHandler<typeof createWorkspaceRoute, AppEnv> = async (c) =>
  c.json(success(await workspaces.createWorkspace(c.env, currentUserId(c), c.req.valid('json'))), 201);

export const listWorkspaces: RouteHandler<typeof listWorkspacesRoute, AppEnv> = async (c) =>
  c.json(success(await workspaces.listWorkspaces(c.env, currentUserId(c))), 200);

export const getWorkspace: RouteHandler<typeof getWorkspaceRoute, AppEnv> = async (c) =>
  c.json(success(await workspaces.getWorkspace(c.env, currentMembership(c))), 200);

export const updateWorkspace: RouteHandler<typeof updateWorkspaceRoute, AppEnv> = async (c) =>
  c.json(success(await workspaces.updateWorkspace(c.env, currentMembership(c), c.req.valid('json'))), 200);

export const deleteWorkspace: RouteHandler<typeof deleteWorkspaceRoute, AppEnv> = async (c) =>
  c.json(success(await workspaces.deleteWorkspace(c.env, currentMembership(c).workspaceId)), 200);
