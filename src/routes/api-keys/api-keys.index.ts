import { createRouter } from '../../lib/operation';
import * as handlers from './api-keys.handlers';
import { createApiKeyRoute, listApiKeysRoute, revokeApiKeyRoute } from './api-keys.routes';

export const apiKeyRoutes = createRouter()
  .openapi(createApiKeyRoute, handlers.createApiKey)
  .openapi(listApiKeysRoute, handlers.listApiKeys)
  .openapi(revokeApiKeyRoute, handlers.revokeApiKey);
