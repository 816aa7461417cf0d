import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { z } from 'zod';
import { failure } from '../lib/envelope';
import { ApiError, type ErrorDetail } from '../lib/errors';
import { log } from '../lib/log';
import type { AppEnv } from '../types';

/** Zod issues as the contract's `details`: one `{ field, issue }` per failing field, field as a dotted path. */
function detailsOf(issues: readonly z.core.$ZodIssue[]): ErrorDetail[] {
  return issues.flatMap((issue) => {
    // A failed union reports each branch's issues; the branch that got furthest explains best.
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = [...issue.errors].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0];
      return detailsOf(closest.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })));
    }
    // Each key a strict schema does not know (a body field or a query parameter) is named on its own.
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ field: [...issue.path, key].map(String).join('.'), issue: 'Unknown field' }));
    return [{ field: issue.path.map(String).join('.'), issue: issue.message }];
  });
}
const depth = (issues: readonly z.core.$ZodIssue[]) => Math.max(0, ...issues.map((i) => i.path.length));

// A UTF-16 surrogate without its pair: JSON can carry it (`"\ud800"`), but it is not text and D1
// would store it mangled.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Fields (keys included) whose text is not well-formed Unicode, appended to `found`. Runs on every
 * validated input, so a clean one allocates nothing: the path is one stack, joined only for a find.
 */
function collectMalformedText(value: unknown, path: (string | number)[], found: ErrorDetail[]): ErrorDetail[] {
  const at = () => found.push({ field: path.join('.'), issue: 'Invalid text: unpaired UTF-16 surrogate' });
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) at();
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      collectMalformedText(value[i], path, found);
      path.pop();
    }
  } else if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      path.push(key);
      if (LONE_SURROGATE.test(key)) at();
      collectMalformedText((value as Record<string, unknown>)[key], path, found);
      path.pop();
    }
  }
  return found;
}

type ValidationResult = { success: boolean; data?: unknown; error?: { issues: readonly z.core.$ZodIssue[] } };

/**
 * @hono/zod-openapi's hook: every request that fails its schema, or carries text that is not
 * well-formed Unicode, becomes 400 VALIDATION_ERROR "Invalid input" with details.
 */
export const validationHook = (result: ValidationResult) => {
  if (!result.success) throw ApiError.of('invalidInput', detailsOf(result.error!.issues));
  const malformed = collectMalformedText(result.data, [], []);
  if (malformed.length) throw ApiError.of('invalidInput', malformed);
};

const respondWithError = (c: Context<AppEnv>, error: ApiError) => c.json(failure(error, c.get('requestId')), error.status);

/** The one place where anything thrown becomes an error envelope. Nothing internal reaches the client. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof ApiError) return respondWithError(c, err);
  if (err instanceof HTTPException && err.status === 400) {
    // hono's JSON validator refuses bodies that do not parse
    return respondWithError(c, ApiError.of('malformedJson'));
  }
  if (err instanceof HTTPException && err.status === 415) {
    // @hono/zod-openapi refuses a required JSON body sent as another media type
    return respondWithError(c, ApiError.of('unsupportedMediaType'));
  }
  log.error('unhandled_error', {
    requestId: c.get('requestId'),
    method: c.req.method,
    path: c.req.path,
    error: err,
    stack: err instanceof Error ? err.stack : undefined,
  });
  return respondWithError(c, ApiError.of('internalError'));
};

export const onNotFound: NotFoundHandler<AppEnv> = (c) => respondWithError(c, ApiError.of('notFound'));
