// Bench-only: the same Loglane routes with request validation switched off. Each route keeps its
// middleware, path and handler, and its body is still parsed (hono's validator with a pass-through
// function), so the only difference from the real build is the zod checks. Response validation is
// switched off by ENVIRONMENT=production in the env the bench passes.
import { Hono, type MiddlewareHandler } from 'hono';
import { validator } from 'hono/validator';

export { createRoute } from '../../src/lib/openapi-runtime';

type Route = { method: string; path: string; middleware?: MiddlewareHandler | MiddlewareHandler[]; request?: any; [key: string]: unknown };

export class OpenAPIHono extends Hono<any> {
  constructor(init: { defaultHook?: unknown; strict?: boolean } = {}) {
    const { defaultHook: _ignored, ...options } = init;
    super(options);
  }
  openapi = ({ middleware: routeMiddleware, ...route }: Route, handler: any) => {
    const request = route.request ?? {};
    const passThrough: MiddlewareHandler[] = [];
    if (request.query) passThrough.push(validator('query', (v) => v));
    if (request.params) passThrough.push(validator('param', (v) => v));
    if (request.body?.content) passThrough.push(validator('json', (v) => v));
    const middleware = routeMiddleware ? (Array.isArray(routeMiddleware) ? routeMiddleware : [routeMiddleware]) : [];
    this.on([route.method], [route.path.replaceAll(/\/{(.+?)}/g, '/:$1')], ...middleware, ...passThrough, handler);
    return this;
  };
}
