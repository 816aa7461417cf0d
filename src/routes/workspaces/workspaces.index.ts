import { createRouter } from '../../lib/operation';
import * as handlers from './workspaces.handlers';
import {
  createWorkspaceRoute,
  deleteWorkspaceRoute,
  getWorkspaceRoute,
  listWorkspacesRoute,
  updateWorkspaceRoute,
} from './workspaces.routes';

export const workspaceRoutes = createRouter()
  .openapi(createWorkspaceRoute, handlers.createWorkspace)
  .openapi(listWorkspacesRoute, handlers.listWorkspaces)
  .openapi(getWorkspaceRoute, handlers.getWorkspace)
  .openapi(updateWorkspaceRoute, handlers.updateWorkspace)
  .openapi(deleteWorkspaceRoute, handlers.deleteWorkspace);
