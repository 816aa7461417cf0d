import { createRouter } from '../../lib/operation';

// /v1/workspaces: tenants.
export const workspaceRoutes = createRouter();
