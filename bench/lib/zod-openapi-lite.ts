// PROTOTYPE of a proposed src/ change (bench-only until the lead adopts it): the production
// runtime of @hono/zod-openapi without its document generator. The Worker only ever uses
// `OpenAPIHono#openapi` (route + zod request validators + hook) and `createRoute` at run time; the
// contract is a static file, and the drift check builds the app's document in Node with the real
// package. This module keeps the exact same validators, hooks and order, and drops the registry,
// @asteasolutions/zod-to-openapi and `extendZodWithOpenApi`.
//
// Built into the Worker by aliasing `@hono/zod-openapi` to this file (esbuild `alias`, or
// wrangler.jsonc `"alias": { "@hono/zod-openapi": "./src/lib/zod-openapi-runtime.ts" }`).
import { zValidator } from '@hono/zod-validator';
import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';

type Hook = (result: any, c: any) => unknown;
type Route = { method: string; path: string; middleware?: MiddlewareHandler | MiddlewareHandler[]; hide?: boolean; request?: any; [key: string]: unknown };

const isZod = (x: any) => !!x && typeof x === 'object' && typeof x.safeParseAsync === 'function';
const isJSONContentType = (contentType: string) => /^application\/([a-z-.]+\+)?json/i.test(contentType);
const jsonRequestRegex = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

async function hasRequestBody(c: any) {
  const raw = c.req.raw as Request;
  if (raw.body === null) return false;
  if (raw.bodyUsed) return (await c.req.arrayBuffer()).byteLength > 0;
  const body = raw.clone().body;
  if (body === null) return false;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      if (value.byteLength > 0) return true;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

export const createRoute = <R extends Route>(config: R) =>
  Object.defineProperty({ ...config }, 'getRoutingPath', { value: () => config.path.replaceAll(/\/{(.+?)}/g, '/:$1'), enumerable: false }) as R & {
    getRoutingPath(): string;
  };

export class OpenAPIHono<E extends object = any> extends Hono<any> {
  defaultHook?: Hook;
  constructor(init: { defaultHook?: Hook; strict?: boolean } = {}) {
    const { defaultHook, ...options } = init;
    super(options);
    this.defaultHook = defaultHook;
  }

  openapi = ({ middleware: routeMiddleware, hide: _hide, ...route }: Route, handler: any, hook?: Hook) => {
    const effectiveHook: Hook = hook ?? ((result, c) => this.defaultHook?.(result, c));
    const request = route.request ?? {};
    const validators: MiddlewareHandler[] = [];
    if (request.query) validators.push(zValidator('query', request.query, effectiveHook as any));
    if (request.params) validators.push(zValidator('param', request.params, effectiveHook as any));
    if (request.headers) validators.push(zValidator('header', request.headers, effectiveHook as any));
    if (request.cookies) validators.push(zValidator('cookie', request.cookies, effectiveHook as any));
    const bodyContent = request.body?.content;
    if (bodyContent) {
      const mediaTypes = Object.keys(bodyContent);
      // Loglane declares JSON bodies only; anything else is refused like the real package does.
      if (mediaTypes.some((mediaType) => isZod(bodyContent[mediaType]?.schema) && isJSONContentType(mediaType))) {
        validators.push(async (c, next) => {
          const contentType = c.req.header('content-type');
          if (contentType) {
            if (!jsonRequestRegex.test(contentType)) throw new HTTPException(415, { message: 'Unsupported Media Type' });
          } else if (await hasRequestBody(c)) throw new HTTPException(415, { message: 'Unsupported Media Type' });
          await next();
        });
      }
      for (const mediaType of mediaTypes) {
        const schema = bodyContent[mediaType]?.schema;
        if (!isZod(schema) || !isJSONContentType(mediaType)) continue;
        const validator = zValidator('json', schema, effectiveHook as any);
        if (request.body?.required) validators.push(validator);
        else
          validators.push(async (c, next) => {
            if (c.req.header('content-type') && isJSONContentType(c.req.header('content-type')!)) return validator(c, next);
            c.req.addValidatedData('json', {});
            await next();
          });
      }
    }
    const middleware = routeMiddleware ? (Array.isArray(routeMiddleware) ? routeMiddleware : [routeMiddleware]) : [];
    this.on([route.method], [route.path.replaceAll(/\/{(.+?)}/g, '/:$1')], ...middleware, ...validators, handler);
    return this;
  };

  getOpenAPIDocument(): never {
    throw new Error('The runtime build has no document generator: the contract is served from generated/openapi.json');
  }
}

export type { RouteConfig, RouteHandler } from '@hono/zod-openapi';
