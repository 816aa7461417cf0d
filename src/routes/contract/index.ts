import { zGetDocsResponse, zGetOpenApiDocumentResponse } from '../../../generated/zod/zod.gen';
import { createRouter, defineOperation } from '../../lib/operation';
import { serveAsset } from './handlers';

const getOpenApiDocumentRoute = defineOperation({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  tag: 'Contract',
  security: [],
  success: { status: 200, schema: zGetOpenApiDocumentResponse },
  errors: [429, 500],
});

const getDocsRoute = defineOperation({
  method: 'get',
  path: '/docs',
  operationId: 'getDocs',
  tag: 'Contract',
  security: [],
  success: { status: 200, schema: zGetDocsResponse, mediaType: 'text/html' },
  errors: [429, 500],
});

// The contract and its reference are static assets (generated/openapi.json, generated/docs.html).
export const contractRoutes = createRouter()
  .openapi(getOpenApiDocumentRoute, serveAsset('/openapi.json'))
  .openapi(getDocsRoute, serveAsset('/docs.html'));
