import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { ERRORS, type ErrorCode, type ErrorKey } from '../../generated/errors';
import type { zErrorDetail } from '../../generated/zod/zod.gen';

export type ErrorDetail = z.infer<typeof zErrorDetail>;

/**
 * The one way to fail a request. The error handler turns it into the error envelope; codes,
 * statuses and messages come from the contract's error catalog (generated/errors.ts).
 */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: ContentfulStatusCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The catalog's error for a scenario, e.g. `ApiError.of('slugTaken')`. */
  static of(key: ErrorKey, details?: ErrorDetail[]): ApiError {
    const { code, status, message } = ERRORS[key];
    return new ApiError(code, status, message, details);
  }
}
