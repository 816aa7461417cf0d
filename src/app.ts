import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { limitBodySize } from './middleware/body-limit';
import { crossOrigin } from './middleware/cors';
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
  app.use(crossOrigin);
  app.use(rateLimit);
  app.use(limitBodySize);
  app.onError(onError);
  app.notFound(onNotFound);

  for (const routes of [healthRoutes, contractRoutes, authRoutes, meRoutes, devRoutes, workspaceRoutes, memberRoutes, invitationRoutes, projectRoutes, apiKeyRoutes, logRoutes]) {
    app.route('/', routes);
  }
  return app;
}

export type App = ReturnType<typeof createApp>;
