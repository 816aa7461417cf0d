// What the Worker runs in place of `@hono/zod-openapi` (wrangler.jsonc and vitest.config.ts alias
// the package to this file, so tests, `npm start` and `wrangler deploy` all run it): the package's
// routing and request validation, without its OpenAPI document generator.
//
// Why: the generator (@asteasolutions/zod-to-openapi, plus `extendZodWithOpenApi(z)`, which keeps
// every export of zod alive, all locales included) is most of the bundle, and the Worker never
// runs it: the contract is served as a static file. The drift check (scripts/drift.ts) still builds
// the app's document with the real package in Node, from the same route definitions.
//
// Mirrors `OpenAPIHono#openapi` of @hono/zod-openapi 1.6.3 for what Loglane declares: the same
// @hono/zod-validator validators in the same order, the same defaultHook, the same 415 for a
// request body of an undeclared media type. Routes with non-JSON request bodies are refused at
// definition time rather than left unvalidated, except NDJSON, which the ingest routes' own
// middleware (src/middleware/ingest-body.ts) turns into the JSON body validated here. One addition:
// exploded `deepObject` query parameters (`?attributes[region]=eu`), which the package leaves as
// flat keys, reach the schema as the object the contract declares.
//
// Its types are the Worker's view of the package: what this file implements, and nothing more.
// Routers are typed as this file's OpenAPIHono (src/lib/operation.ts, createRouter), so code that
// would call the document generator (`doc`, `getOpenAPIDocument`, `openAPIRegistry`) fails to
// type-check instead of throwing in the Worker (test/types/openapi-runtime.ts). The route and
// handler types are the package's own: type imports, erased from the bundle.
import type { OpenAPIHonoOptions, RouteConfig, RouteHandler, RouteHook } from '@hono/zod-openapi';
import { zValidator } from '@hono/zod-validator';
import { type Context, type Env, Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';

export type { RouteConfig, RouteHandler };

type Hook = (result: { success: boolean; data?: unknown; error?: unknown }, c: Context) => unknown;
type RouteRequest = {
  query?: unknown;
  params?: unknown;
  headers?: unknown;
  cookies?: unknown;
  body?: { content: Record<string, { schema?: unknown }>; required?: boolean };
};
type Route = { method: string; path: string; middleware?: MiddlewareHandler | MiddlewareHandler[]; hide?: boolean; request?: RouteRequest };

const isJsonMediaType = (mediaType: string) => /^application\/([a-z-.]+\+)?json/i.test(mediaType);
const jsonContentType = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;
const routingPath = (path: string) => path.replaceAll(/\/{(.+?)}/g, '/:$1');

/** Whether the request carries any body bytes (without consuming the body the validator reads). */
async function hasRequestBody(c: Context): Promise<boolean> {
  const raw = c.req.raw;
  if (raw.body === null) return false;
  if (raw.bodyUsed) return (await c.req.arrayBuffer()).byteLength > 0;
  const reader = raw.clone().body!.getReader();
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

/** A declared JSON body: 415 for another media type (or bytes without one), else the body is validated. */
function jsonBodyValidators(body: NonNullable<RouteRequest['body']>, hook: Hook): MiddlewareHandler[] {
  const mediaTypes = Object.keys(body.content);
  // NDJSON and protobuf bodies reach validation as JSON (src/middleware/ingest-body.ts translates them).
  const other = mediaTypes.find(
    (mediaType) => !isJsonMediaType(mediaType) && mediaType !== 'application/x-ndjson' && mediaType !== 'application/x-protobuf',
  );
  if (other) throw new Error(`openapi-runtime: request bodies of ${other} are not supported`);
  const mediaTypeGate: MiddlewareHandler = async (c, next) => {
    const contentType = c.req.header('content-type');
    if (contentType ? !jsonContentType.test(contentType) : await hasRequestBody(c))
      throw new HTTPException(415, { message: 'Unsupported Media Type' });
    await next();
  };
  const validate = zValidator('json', body.content[mediaTypes.find(isJsonMediaType)!].schema as never, hook as never);
  if (body.required) return [mediaTypeGate, validate];
  const optional: MiddlewareHandler = async (c, next) => {
    if (c.req.header('content-type')) return validate(c, next);
    c.req.addValidatedData('json', {});
    await next();
  };
  return [mediaTypeGate, optional];
}

const DEEP_OBJECT_KEY = /^([^[\]]+)\[([^[\]]*)\]$/;

/** `{ 'attributes[region]': 'eu' }` → `{ attributes: { region: 'eu' } }`; other keys as they are. */
function foldDeepObjects(query: unknown): unknown {
  // A Map, so that no key (`__proto__[x]`) can reach an object's prototype.
  const folded = new Map<string, unknown>();
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    const [, name, property] = DEEP_OBJECT_KEY.exec(key) ?? [];
    const object = name === undefined ? undefined : (folded.get(name) ?? new Map<string, unknown>());
    if (object instanceof Map) folded.set(name!, object.set(property, value));
    else folded.set(key, value);
  }
  return Object.fromEntries([...folded].map(([key, value]) => [key, value instanceof Map ? Object.fromEntries(value) : value]));
}

export const createRoute = <R extends Route>(config: R) =>
  Object.defineProperty({ ...config }, 'getRoutingPath', { value: () => routingPath(config.path), enumerable: false }) as R & {
    getRoutingPath(): string;
  };

export class OpenAPIHono<E extends Env = Env> extends Hono<E> {
  defaultHook?: OpenAPIHonoOptions<E>['defaultHook'];

  constructor({ defaultHook, ...options }: { defaultHook?: OpenAPIHonoOptions<E>['defaultHook']; strict?: boolean } = {}) {
    super(options);
    this.defaultHook = defaultHook;
  }

  openapi = <R extends RouteConfig>(route: R, handler: RouteHandler<R, E>, hook?: RouteHook<R, E>): this => {
    const { middleware, request = {}, method, path } = route as Route;
    // The package would also look for a hook on a parent router; Loglane's routers each carry
    // their own (createRouter), so one without is a mistake that would leak raw validator 400s.
    if (!hook && !this.defaultHook) throw new Error(`openapi-runtime: ${method.toUpperCase()} ${path} has no validation hook`);
    const effectiveHook = (hook ?? ((result, c) => this.defaultHook?.(result as never, c))) as Hook;
    const validators: MiddlewareHandler[] = [];
    if (request.query) {
      // The validator's own option (no zod import here: that would bring zod's locales into the bundle).
      const options = {
        validationFunction: (schema: { safeParseAsync(value: unknown): unknown }, value: unknown) =>
          schema.safeParseAsync(foldDeepObjects(value)),
      };
      validators.push(zValidator('query', request.query as never, effectiveHook as never, options as never));
    }
    if (request.params) validators.push(zValidator('param', request.params as never, effectiveHook as never));
    if (request.headers) validators.push(zValidator('header', request.headers as never, effectiveHook as never));
    if (request.cookies) validators.push(zValidator('cookie', request.cookies as never, effectiveHook as never));
    if (request.body?.content) validators.push(...jsonBodyValidators(request.body, effectiveHook));
    const routeMiddleware = middleware === undefined ? [] : Array.isArray(middleware) ? middleware : [middleware];
    this.on([method], [routingPath(path)], ...routeMiddleware, ...validators, handler as MiddlewareHandler);
    return this;
  };
}
