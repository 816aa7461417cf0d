import { createRouter } from '../../lib/operation';

// /v1/workspaces/{workspaceId}/projects.
export const projectRoutes = createRouter();
