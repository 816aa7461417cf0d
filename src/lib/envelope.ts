import type { ApiError } from './errors';

type MetaExtra = { nextCursor?: string };

const meta = (extra?: MetaExtra) => ({ timestamp: new Date().toISOString(), ...extra });

/** The success envelope around a payload. */
export const success = <T>(data: T, extra?: MetaExtra) => ({ success: true as const, data, error: null, meta: meta(extra) });

/** The error envelope; `details` only where validation produced them. */
export const failure = (error: ApiError, requestId: string | undefined) => ({
  success: false as const,
  data: null,
  error: {
    code: error.code,
    message: error.message,
    ...(error.details ? { details: error.details } : {}),
    ...(requestId ? { requestId } : {}),
  },
  meta: meta(),
});
