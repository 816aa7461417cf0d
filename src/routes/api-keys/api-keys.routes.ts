import {
  zCreateApiKeyBody,
  zCreateApiKeyPath,
  zCreateApiKeyResponse,
  zListApiKeysPath,
  zListApiKeysResponse,
  zRevokeApiKeyPath,
  zRevokeApiKeyResponse,
} from '../../../generated/zod/zod.gen';
import { defineOperation, jsonBody } from '../../lib/operation';

// /v1/workspaces/{workspaceId}/projects/{projectId}/api-keys: admins only, all three.
const tag = 'API keys';
const security = [{ UserJwt: [] }];

export const createApiKeyRoute = defineOperation({
  method: 'post',
  path: '/v1/workspaces/{workspaceId}/projects/{projectId}/api-keys',
  operationId: 'createApiKey',
  tag,
  security,
  role: 'admin',
  request: { params: zCreateApiKeyPath, ...jsonBody(zCreateApiKeyBody) },
  success: { status: 201, schema: zCreateApiKeyResponse },
  errors: [400, 401, 403, 404, 429, 500],
});

export const listApiKeysRoute = defineOperation({
  method: 'get',
  path: '/v1/workspaces/{workspaceId}/projects/{projectId}/api-keys',
  operationId: 'listApiKeys',
  tag,
  security,
  role: 'admin',
  request: { params: zListApiKeysPath },
  success: { status: 200, schema: zListApiKeysResponse },
  errors: [400, 401, 403, 404, 429, 500],
});

export const revokeApiKeyRoute = defineOperation({
  method: 'delete',
  path: '/v1/workspaces/{workspaceId}/projects/{projectId}/api-keys/{keyId}',
  operationId: 'revokeApiKey',
  tag,
  security,
  role: 'admin',
  request: { params: zRevokeApiKeyPath },
  success: { status: 200, schema: zRevokeApiKeyResponse },
  errors: [400, 401, 403, 404, 429, 500],
});
