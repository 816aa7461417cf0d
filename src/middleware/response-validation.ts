import type { Context, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { zErrorEnvelope } from '../../generated/zod/zod.gen';
import { failure } from '../lib/envelope';
import { ApiError } from '../lib/errors';
import { log } from '../lib/log';
import type { AppEnv } from '../types';

/**
 * Outside production, every response of an operation is checked against the contract: a status
 * it does not declare, or a body that does not match the declared schema, is logged and turned
 * into 500 INTERNAL_ERROR, so a test that sees it fails. The contract cannot silently lie.
 */
export function validateResponse(
  successStatus: number,
  successSchema: z.ZodType | undefined,
  errorStatuses: number[],
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.env.ENVIRONMENT === 'production') return next();
    const sent = recordJsonResponses(c);
    await next();
    const status = c.res.status;
    const schema = status === successStatus ? successSchema : errorStatuses.includes(status) ? zErrorEnvelope : undefined;
    const declared = status === successStatus || errorStatuses.includes(status);
    let problem: string | undefined;
    if (!declared) problem = `status ${status} is not declared`;
    else if (schema && c.res.headers.get('content-type')?.startsWith('application/json')) {
      const result = schema.safeParse(await wireBody(c, sent));
      if (!result.success) problem = JSON.stringify(result.error.issues);
    }
    if (problem) {
      log.error('contract_violation', { requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status, problem });
      c.res = c.json(failure(ApiError.of('internalError'), c.get('requestId')), 500);
    }
  };
}

// Keyed by the body stream: hono re-wraps a returned Response to merge headers set earlier
// (new Response(res.body, res)), which keeps the stream but not the Response object.
type SentJson = WeakMap<ReadableStream, unknown>;

/** Remembers what each c.json() of this request serialised, by the body it made. */
function recordJsonResponses(c: Context<AppEnv>): SentJson {
  const sent: SentJson = new WeakMap();
  const json = c.json;
  c.json = ((object: unknown, ...rest: unknown[]) => {
    const response = (json as (...args: unknown[]) => Response)(object, ...rest);
    // Snapshot of what went out, taken through the same JSON.stringify.
    if (response.body) sent.set(response.body, JSON.parse(JSON.stringify(object)));
    return response;
  }) as typeof c.json;
  return sent;
}

/**
 * The body as the client receives it: for a body made by c.json(), its snapshot (without cloning
 * and re-reading the stream); any other body is read from a clone.
 */
async function wireBody(c: Context<AppEnv>, sent: SentJson): Promise<unknown> {
  const body = c.res.body;
  return body && sent.has(body) ? sent.get(body) : c.res.clone().json();
}
