import { zGetHealthResponse } from '../../../generated/zod/zod.gen';
import { defineOperation } from '../../lib/operation';

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
