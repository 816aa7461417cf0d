import { success } from '../../lib/envelope';
import type { RouteHandler } from '../../lib/openapi-runtime';
import { currentMembership } from '../../middleware/authorization';
import * as apiKeys from '../../services/api-keys';
import type { AppEnv } from '../../types';
import type { createApiKeyRoute, listApiKeysRoute, revokeApiKeyRoute } from './api-keys.routes';

export const createApiKey: RouteHandler<typeof createApiKeyRoute, AppEnv> = async (c) =>
  c.json(
    success(await apiKeys.createApiKey(c.env, currentMembership(c).workspaceId, c.req.valid('param').projectId, c.req.valid('json'))),
    201,
  );

export const listApiKeys: RouteHandler<typeof listApiKeysRoute, AppEnv> = async (c) =>
  c.json(success(await apiKeys.listApiKeys(c.env, currentMembership(c).workspaceId, c.req.valid('param').projectId)), 200);

export const revokeApiKey: RouteHandler<typeof revokeApiKeyRoute, AppEnv> = async (c) => {
  const { projectId, keyId } = c.req.valid('param');
  return c.json(success(await apiKeys.revokeApiKey(c.env, currentMembership(c).workspaceId, projectId, keyId)), 200);
};
