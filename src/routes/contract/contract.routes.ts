import { zGetDocsResponse, zGetOpenApiDocumentResponse } from '../../../generated/zod/zod.gen';
import { defineOperation } from '../../lib/operation';

export const getOpenApiDocumentRoute = defineOperation({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  tag: 'Contract',
  security: [],
  success: { status: 200, schema: zGetOpenApiDocumentResponse },
  errors: [429, 500],
});

export const getDocsRoute = defineOperation({
  method: 'get',
  path: '/docs',
  operationId: 'getDocs',
  tag: 'Contract',
  security: [],
  success: { status: 200, schema: zGetDocsResponse, mediaType: 'text/html' },
  errors: [429, 500],
});
