import type { MiddlewareHandler } from 'hono';
import { zListOutboxQuery, zListOutboxResponse } from '../../../generated/zod/zod.gen';
import { ApiError } from '../../lib/errors';
import { createRouter, defineOperation } from '../../lib/operation';
import type { AppEnv } from '../../types';
import * as handlers from './handlers';

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

/** Outside development these paths do not exist: the same 404 as any unknown route. */
const developmentOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.env.ENVIRONMENT !== 'development') throw ApiError.of('notFound');
  await next();
};

export const devRoutes = createRouter();
// Registered before the routes, so that it runs before their validation and contract checks.
devRoutes.use('/v1/dev/*', developmentOnly);
devRoutes.openapi(listOutboxRoute, handlers.listOutbox);
