import { createRoute, OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { validationHook } from '../middleware/errors';
import { validateResponse } from '../middleware/response-validation';
import type { AppEnv } from '../types';

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
  const { success, errors, rateLimited = true, tag, ...route } = config;
  const headers = Object.fromEntries(
    ['X-Request-Id', ...(rateLimited ? RATE_LIMIT_HEADERS : []), ...(success.headers ?? [])].map((name) => [name, header(name)]),
  );
  const successResponse = {
    description: 'Success.',
    headers,
    ...(success.schema ? { content: { [success.mediaType ?? 'application/json']: { schema: success.schema } } } : {}),
  };
  const errorResponses = Object.fromEntries(errors.map((status) => [status, { $ref: `#/components/responses/${ERROR_RESPONSES[status]}` }]));
  const responses = { ...errorResponses, [success.status]: successResponse } as unknown as {
    [K in S]: { description: string; content: { [M in Media]: { schema: Schema } } };
  };
  return createRoute({
    ...route,
    tags: [tag],
    // Validation wraps the route's own middleware too, so guard failures are checked as well.
    middleware: [validateResponse(success.status, success.schema, errors), ...toArray(route.middleware)],
    responses,
  } as Omit<C, 'success' | 'errors' | 'rateLimited' | 'tag'> & { tags: string[]; responses: typeof responses });
}

const toArray = (middleware: RouteConfig['middleware']): MiddlewareHandler[] =>
  middleware === undefined ? [] : Array.isArray(middleware) ? middleware : [middleware as MiddlewareHandler];

/** A required JSON request body with the generated schema. */
export const jsonBody = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true as const } });

/** A router whose request validation failures become the contract's 400 envelope. */
export const createRouter = () => new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

