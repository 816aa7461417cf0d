// Type-level test, checked by `tsc` in `npm run check` (never run): routers are typed as what the
// Worker runs (src/lib/openapi-runtime.ts), so the package's document generator, which the Worker
// leaves out, does not type-check; routing and handlers do.
import { createApp } from '../../src/app';
import { createRouter } from '../../src/lib/operation';
import { getHealthRoute } from '../../src/routes/health/health.routes';

export function routersOffer() {
  const app = createApp();
  // @ts-expect-error the Worker has no document generator
  app.doc('/doc', { openapi: '3.1.0', info: { title: 'Loglane', version: '0' } });
  // @ts-expect-error nor its 3.1 variant
  app.doc31('/doc', { openapi: '3.1.0', info: { title: 'Loglane', version: '0' } });
  // @ts-expect-error nor a document built on request
  app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'Loglane', version: '0' } });
  // @ts-expect-error nor a registry
  void app.openAPIRegistry;
  // What the runtime implements, typed as the package types it: the handler's answer must be the route's.
  createRouter().openapi(getHealthRoute, (c) =>
    c.json({ success: true as const, data: { status: 'ok' as const, version: '2', time: '' }, error: null, meta: { timestamp: '' } }, 200),
  );
  createRouter().openapi(getHealthRoute, (c) =>
    // @ts-expect-error a status the route does not declare
    c.json({ success: true as const, data: { status: 'ok' as const, version: '2', time: '' }, error: null, meta: { timestamp: '' } }, 201),
  );
  return app.fetch;
}
