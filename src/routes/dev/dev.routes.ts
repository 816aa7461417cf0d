import { zListOutboxQuery, zListOutboxResponse } from '../../../generated/zod/zod.gen';
import { defineOperation } from '../../lib/operation';

// /v1/dev/*: development-only helpers (ENVIRONMENT=development).

export const listOutboxRoute = defineOperation({
  method: 'get',
  path: '/v1/dev/outbox',
  operationId: 'listOutbox',
  tag: 'Development',
  'x-internal': true,
  security: [],
  request: { query: zListOutboxQuery },
  success: { status: 200, schema: zListOutboxResponse },
  errors: [400, 429, 500],
});
