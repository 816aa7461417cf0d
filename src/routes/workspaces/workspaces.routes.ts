import {
  zCreateWorkspaceBody,
  zCreateWorkspaceResponse,
  zDeleteWorkspacePath,
  zDeleteWorkspaceResponse,
  zGetWorkspacePath,
  zGetWorkspaceResponse,
  zListWorkspacesResponse,
  zUpdateWorkspaceBody,
  zUpdateWorkspacePath,
  zUpdateWorkspaceResponse,
} from '../../../generated/zod/zod.gen';
import { defineOperation, jsonBody } from '../../lib/operation';
import { requireUser } from '../../middleware/auth';

// /v1/workspaces: tenants.
const tag = 'Workspaces';
const security = [{ UserJwt: [] }];

export const createWorkspaceRoute = defineOperation({
  method: 'post',
  path: '/v1/workspaces',
  operationId: 'createWorkspace',
  tag,
  security,
  middleware: [requireUser()],
  request: jsonBody(zCreateWorkspaceBody),
  success: { status: 201, schema: zCreateWorkspaceResponse },
  errors: [400, 401, 409, 429, 500],
});

export const listWorkspacesRoute = defineOperation({
  method: 'get',
  path: '/v1/workspaces',
  operationId: 'listWorkspaces',
  tag,
  security,
  middleware: [requireUser()],
  success: { status: 200, schema: zListWorkspacesResponse },
  errors: [401, 429, 500],
});

export const getWorkspaceRoute = defineOperation({
  method: 'get',
  path: '/v1/workspaces/{workspaceId}',
  operationId: 'getWorkspace',
  tag,
  security,
  role: 'member',
  request: { params: zGetWorkspacePath },
  success: { status: 200, schema: zGetWorkspaceResponse },
  errors: [400, 401, 404, 429, 500],
});

export const updateWorkspaceRoute = defineOperation({
  method: 'patch',
  path: '/v1/workspaces/{workspaceId}',
  operationId: 'updateWorkspace',
  tag,
  security,
  role: 'admin',
  request: { params: zUpdateWorkspacePath, ...jsonBody(zUpdateWorkspaceBody) },
  success: { status: 200, schema: zUpdateWorkspaceResponse },
  errors: [400, 401, 403, 404, 409, 429, 500],
});

export const deleteWorkspaceRoute = defineOperation({
  method: 'delete',
  path: '/v1/workspaces/{workspaceId}',
  operationId: 'deleteWorkspace',
  tag,
  security,
  role: 'owner',
  request: { params: zDeleteWorkspacePath },
  success: { status: 200, schema: zDeleteWorkspaceResponse },
  errors: [400, 401, 403, 404, 429, 500],
});
