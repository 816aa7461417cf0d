import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { createRouter } from './lib/operation';
import { limitBodySize } from './middleware/body-limit';
import { crossOrigin } from './middleware/cors';
import { onError, onNotFound } from './middleware/errors';
import { rateLimit } from './middleware/rate-limit';
import { apiKeyRoutes } from './routes/api-keys/api-keys.index';
import { authRoutes } from './routes/auth/auth.index';
import { contractRoutes } from './routes/contract/contract.index';
import { devRoutes } from './routes/dev/dev.index';
import { healthRoutes } from './routes/health/health.index';
import { invitationRoutes } from './routes/invitations/invitations.index';
import { logRoutes } from './routes/logs/logs.index';
import { meRoutes } from './routes/me/me.index';
import { memberRoutes } from './routes/members/members.index';
import { projectRoutes } from './routes/projects/projects.index';
import { workspaceRoutes } from './routes/workspaces/workspaces.index';

const newRequestId = () => `req_${crypto.randomUUID().replaceAll('-', '')}`;

/** The Loglane API: cross-cutting middleware, then one router per resource. */
export function createApp() {
  const app = createRouter();
  app.use(requestId({ generator: newRequestId, limitLength: 128 }));
  app.use(secureHeaders());
  app.use(crossOrigin);
  app.use(rateLimit);
  app.use(limitBodySize);
  app.onError(onError);
  app.notFound(onNotFound);

  for (const routes of [
    healthRoutes,
    contractRoutes,
    authRoutes,
    meRoutes,
    devRoutes,
    workspaceRoutes,
    memberRoutes,
    invitationRoutes,
    projectRoutes,
    apiKeyRoutes,
    logRoutes,
  ]) {
    app.route('/', routes);
  }
  return app;
}
