import {
  zCreateProjectBody,
  zCreateProjectPath,
  zCreateProjectResponse,
  zDeleteProjectPath,
  zDeleteProjectResponse,
  zGetProjectPath,
  zGetProjectResponse,
  zListProjectsPath,
  zListProjectsResponse,
  zUpdateProjectBody,
  zUpdateProjectPath,
  zUpdateProjectResponse,
} from '../../../generated/zod/zod.gen';
import { defineOperation, jsonBody } from '../../lib/operation';

// /v1/workspaces/{workspaceId}/projects.
const tag = 'Projects';
const security = [{ UserJwt: [] }];

export const createProjectRoute = defineOperation({
  method: 'post',
  path: '/v1/workspaces/{workspaceId}/projects',
  operationId: 'createProject',
  tag,
  security,
  role: 'admin',
  request: { params: zCreateProjectPath, ...jsonBody(zCreateProjectBody) },
  success: { status: 201, schema: zCreateProjectResponse },
  errors: [400, 401, 403, 404, 409, 429, 500],
});

export const listProjectsRoute = defineOperation({
  method: 'get',
  path: '/v1/workspaces/{workspaceId}/projects',
  operationId: 'listProjects',
  tag,
  security,
  role: 'member',
  request: { params: zListProjectsPath },
  success: { status: 200, schema: zListProjectsResponse },
  errors: [400, 401, 404, 429, 500],
});

export const getProjectRoute = defineOperation({
  method: 'get',
  path: '/v1/workspaces/{workspaceId}/projects/{projectId}',
  operationId: 'getProject',
  tag,
  security,
  role: 'member',
  request: { params: zGetProjectPath },
  success: { status: 200, schema: zGetProjectResponse },
  errors: [400, 401, 404, 429, 500],
});

export const updateProjectRoute = defineOperation({
  method: 'patch',
  path: '/v1/workspaces/{workspaceId}/projects/{projectId}',
  operationId: 'updateProject',
  tag,
  security,
  role: 'admin',
  request: { params: zUpdateProjectPath, ...jsonBody(zUpdateProjectBody) },
  success: { status: 200, schema: zUpdateProjectResponse },
  errors: [400, 401, 403, 404, 409, 429, 500],
});

export const deleteProjectRoute = defineOperation({
  method: 'delete',
  path: '/v1/workspaces/{workspaceId}/projects/{projectId}',
  operationId: 'deleteProject',
  tag,
  security,
  role: 'admin',
  request: { params: zDeleteProjectPath },
  success: { status: 200, schema: zDeleteProjectResponse },
  errors: [400, 401, 403, 404, 429, 500],
});
