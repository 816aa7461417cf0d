import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { zErrorEnvelope } from '../../generated/zod/zod.gen';
import { ApiError } from '../lib/errors';
import { failure } from '../lib/envelope';
import type { AppEnv } from '../types';

/**
 * Outside production, every response of an operation is checked against the contract: a status
 * it does not declare, or a body that does not match the declared schema, is logged and turned
 * into 500 INTERNAL_ERROR, so a test that sees it fails. The contract cannot silently lie.
 */
export function validateResponse(successStatus: number, successSchema: z.ZodType | undefined, errorStatuses: number[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.env.ENVIRONMENT === 'production') return;
    const status = c.res.status;
    const schema = status === successStatus ? successSchema : errorStatuses.includes(status) ? zErrorEnvelope : undefined;
    const declared = status === successStatus || errorStatuses.includes(status);
    let problem: string | undefined;
    if (!declared) problem = `status ${status} is not declared`;
    else if (schema && c.res.headers.get('content-type')?.startsWith('application/json')) {
      const result = schema.safeParse(await c.res.clone().json());
      if (!result.success) problem = JSON.stringify(result.error.issues);
    }
    if (problem) {
      console.error(JSON.stringify({ level: 'error', event: 'contract_violation', requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status, problem }));
      c.res = c.json(failure(ApiError.of('internalError'), c.get('requestId')), 500);
    }
  };
}
