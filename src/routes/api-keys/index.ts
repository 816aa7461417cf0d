import { createRouter } from '../../lib/operation';

// /v1/workspaces/{workspaceId}/projects/{projectId}/api-keys.
export const apiKeyRoutes = createRouter();
