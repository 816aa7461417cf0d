import { createRouter } from '../../lib/operation';
import { serveAsset } from './contract.handlers';
import { getDocsRoute, getOpenApiDocumentRoute } from './contract.routes';

// The contract and its reference are static assets (generated/openapi.json, generated/docs.html).
export const contractRoutes = createRouter()
  .openapi(getOpenApiDocumentRoute, serveAsset('/openapi.json'))
  .openapi(getDocsRoute, serveAsset('/docs.html'));
