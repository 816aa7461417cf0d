import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { limitBodySize } from './middleware/body-limit';
import { onError, onNotFound, validationHook } from './middleware/errors';
import { rateLimit } from './middleware/rate-limit';
import { apiKeyRoutes } from './routes/api-keys';
import { authRoutes } from './routes/auth';
import { contractRoutes } from './routes/contract';
import { devRoutes } from './routes/dev';
import { healthRoutes } from './routes/health';
import { invitationRoutes } from './routes/invitations';
import { logRoutes } from './routes/logs';
import { meRoutes } from './routes/me';
import { memberRoutes } from './routes/members';
import { projectRoutes } from './routes/projects';
import { workspaceRoutes } from './routes/workspaces';
import type { AppEnv } from './types';

const newRequestId = () => `req_${crypto.randomUUID().replaceAll('-', '')}`;

/** The Loglane API: cross-cutting middleware, then one router per resource. */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use(requestId({ generator: newRequestId, limitLength: 128 }));
  app.use(secureHeaders());
  app.use(
    cors({
      origin: (origin, c) => (c.env.CORS_ORIGINS.split(',').includes(origin) ? origin : null),
      allowHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-Id'],
      exposeHeaders: ['X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'],
      maxAge: 600,
    }),
  );
  app.use(rateLimit);
  app.use(limitBodySize);
  app.onError(onError);
  app.notFound(onNotFound);

  for (const routes of [healthRoutes, contractRoutes, authRoutes, meRoutes, devRoutes, workspaceRoutes, memberRoutes, invitationRoutes, projectRoutes, apiKeyRoutes, logRoutes]) {
    app.route('/', routes);
  }
  return app;
}
