import { zGetHealthResponse } from '../../../generated/zod/zod.gen';
import { createRouter, defineOperation } from '../../lib/operation';
import { getHealth } from './handlers';

export const getHealthRoute = defineOperation({
  method: 'get',
  path: '/v1/health',
  operationId: 'getHealth',
  tag: 'Health',
  security: [],
  rateLimited: false,
  success: { status: 200, schema: zGetHealthResponse },
  errors: [500],
});

export const healthRoutes = createRouter().openapi(getHealthRoute, getHealth);
