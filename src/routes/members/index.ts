import { createRouter } from '../../lib/operation';

// /v1/workspaces/{workspaceId}/members and ownership transfer.
export const memberRoutes = createRouter();
