import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../lib/errors';
import { createRouter } from '../../lib/operation';
import type { AppEnv } from '../../types';
import * as handlers from './dev.handlers';
import { listOutboxRoute } from './dev.routes';

/** Outside development these paths do not exist: the same 404 as any unknown route. */
const developmentOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.env.ENVIRONMENT !== 'development') throw ApiError.of('notFound');
  await next();
};

export const devRoutes = createRouter();
// Registered before the routes, so that it runs before their validation and contract checks.
devRoutes.use('/v1/dev/*', developmentOnly);
devRoutes.openapi(listOutboxRoute, handlers.listOutbox);
