// The package's values: in the Worker and the workerd tests, the alias makes them the runtime's.
import { createRoute, OpenAPIHono as PackageOpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { requireUser } from '../middleware/auth';
import { type GuardOptions, requireRole } from '../middleware/authorization';
import { validationHook } from '../middleware/errors';
import { validateResponse } from '../middleware/response-validation';
import type { Role } from '../services/members';
import type { AppEnv } from '../types';
import type { OpenAPIHono, RouteConfig } from './openapi-runtime';

/** The contract's shared error responses, by status. */
const ERROR_RESPONSES = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalError',
} as const;
type ErrorStatus = keyof typeof ERROR_RESPONSES;

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

type Success<S extends number, Schema extends z.ZodType, Media extends string> = {
  status: S;
  schema?: Schema;
  /** Defaults to application/json; the docs page is text/html. */
  mediaType?: Media;
  /** The same answer in other encodings, by media type (OTLP answers a protobuf request in protobuf). */
  alternatives?: Record<string, z.ZodType>;
  /** Response headers beyond the request id and rate-limit ones (by component name). */
  headers?: string[];
};

type OperationConfig<S extends number, Schema extends z.ZodType, Media extends string> = Omit<RouteConfig, 'responses' | 'tags'> & {
  operationId: string;
  tag: string;
  success: Success<S, Schema, Media>;
  errors: ErrorStatus[];
  /** Every operation but health is rate limited (and declares the X-RateLimit-* headers). */
  rateLimited?: boolean;
  /**
   * Workspace routes: the lowest role allowed, the contract's `x-required-role`. It installs the
   * guards (requireUser, then requireRole) ahead of the route's own middleware.
   */
  role?: Role;
  /** With `role`: the 403 to answer instead of "Insufficient role", and whether members may act on themselves (`x-self-allowed`). */
  roleOptions?: GuardOptions;
};

/**
 * A route of the contract: one success response with the schema the generated zod module gives
 * for it, and the contract's shared error responses. The drift check proves it equals the spec.
 */
export function defineOperation<
  const S extends number,
  Schema extends z.ZodType,
  const Media extends string = 'application/json',
  const C extends OperationConfig<S, Schema, Media> = OperationConfig<S, Schema, Media>,
>(config: C & OperationConfig<S, Schema, Media>) {
  const { success, errors, rateLimited = true, tag, role, roleOptions, ...route } = config;
  const headers = Object.fromEntries(
    ['X-Request-Id', ...(rateLimited ? RATE_LIMIT_HEADERS : []), ...(success.headers ?? [])].map((name) => [name, header(name)]),
  );
  const successResponse = {
    description: 'Success.',
    headers,
    ...(success.schema
      ? {
          content: {
            [success.mediaType ?? 'application/json']: { schema: success.schema },
            ...Object.fromEntries(Object.entries(success.alternatives ?? {}).map(([mediaType, schema]) => [mediaType, { schema }])),
          },
        }
      : {}),
  };
  const errorResponses = Object.fromEntries(
    errors.map((status) => [status, { $ref: `#/components/responses/${ERROR_RESPONSES[status]}` }]),
  );
  const responses = { ...errorResponses, [success.status]: successResponse } as unknown as {
    [K in S]: { description: string; content: { [M in Media]: { schema: Schema } } };
  };
  const guards = role ? [requireUser(), requireRole(role, roleOptions)] : [];
  return createRoute({
    ...route,
    tags: [tag],
    // The role travels into the app's document, where the drift check compares it with the contract.
    ...(role ? { 'x-required-role': role } : {}),
    ...(roleOptions?.orSelf ? { 'x-self-allowed': true } : {}),
    // Validation wraps the route's own middleware too, so guard failures are checked as well.
    middleware: [validateResponse(success.status, success.schema, errors), ...guards, ...toArray(route.middleware)],
    responses,
  } as Omit<C, 'success' | 'errors' | 'rateLimited' | 'tag' | 'role' | 'roleOptions'> & { tags: string[]; responses: typeof responses });
}

const toArray = (middleware: RouteConfig['middleware']): MiddlewareHandler[] =>
  middleware === undefined ? [] : Array.isArray(middleware) ? middleware : [middleware as MiddlewareHandler];

/** A required JSON request body with the generated schema. */
export const jsonBody = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true as const } });

/**
 * A router whose request validation failures become the contract's 400 envelope, typed as what the
 * Worker runs (src/lib/openapi-runtime.ts): in Node, where nothing aliases the package, it is the
 * package's router, which does all of that and more.
 */
export const createRouter = (): OpenAPIHono<AppEnv> =>
  new PackageOpenAPIHono<AppEnv>({ defaultHook: validationHook }) as unknown as OpenAPIHono<AppEnv>;
