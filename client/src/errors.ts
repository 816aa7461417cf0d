// The one error type of the client. Every failed call resolves to `{ data: undefined, error }` where
// `error` is a LoglaneError of one of three kinds, never thrown:
//   api       the API answered with an error the contract declares for this operation (status + code)
//   network   no response: the connection failed, the request could not be sent, or it was aborted
//   contract  a response the contract does not allow: an undeclared status, an unparsable body, a
//             body of the wrong shape, or an error code the catalog does not give that status
import type { ErrorCode, ErrorDetail } from '../../generated/client/types.gen.ts';

export type LoglaneErrorKind = 'api' | 'network' | 'contract';

/** What a `contract` error found wrong with the response. */
export type ContractViolation =
  /** The status is not one the contract declares for the operation. */
  | 'undeclared-status'
  /** The body could not be parsed (e.g. not JSON where JSON is declared). */
  | 'unparsable-body'
  /** The body is not the declared envelope, or its error code does not belong to the status. */
  | 'unexpected-body'
  /** The body failed the generated schema (only with response validation on). */
  | 'schema-mismatch';

/** The rate-limit headers of a response (`X-RateLimit-*`, and `Retry-After` on 429). */
export interface RateLimit {
  /** Requests allowed in the current window. */
  limit: number;
  /** Requests left in the current window. */
  remaining: number;
  /** When the window resets, in Unix seconds. */
  reset: number;
  /** Seconds to wait before retrying (429 only). */
  retryAfter?: number;
}

interface LoglaneErrorInit {
  kind: LoglaneErrorKind;
  operation: string;
  message: string;
  status?: number;
  code?: ErrorCode;
  details?: ErrorDetail[];
  requestId?: string;
  rateLimit?: RateLimit;
  violation?: ContractViolation;
  issues?: readonly string[];
  body?: unknown;
  cause?: unknown;
}

const BRAND = Symbol.for('@loglane/client.LoglaneError');

export class LoglaneError extends Error {
  override readonly name = 'LoglaneError';
  // Declared with `!` so that every error has every field (undefined where it does not apply);
  // the constructor sets the ones given.
  readonly kind!: LoglaneErrorKind;
  /** The operationId of the call that failed. */
  readonly operation!: string;
  /** The HTTP status; undefined for network errors. */
  readonly status!: number | undefined;
  /** The API's error code; set for `api` errors only. */
  readonly code!: ErrorCode | undefined;
  /** The failing fields of a 400 VALIDATION_ERROR from schema validation. */
  readonly details!: ErrorDetail[] | undefined;
  /** The request id (body or X-Request-Id), to quote when reporting a problem. */
  readonly requestId!: string | undefined;
  /** The rate-limit headers of the response, when it carried them. */
  readonly rateLimit!: RateLimit | undefined;
  /** What was wrong with the response (`contract` errors only). */
  readonly violation!: ContractViolation | undefined;
  /** Individual problems found (e.g. schema issues) for `contract` errors; empty otherwise. */
  readonly issues!: readonly string[];
  /** The response body as received, for `contract` errors (parsed JSON, or text when it is not JSON). */
  readonly body: unknown;

  constructor(init: LoglaneErrorInit) {
    // Error sets `cause` only when `init` has one.
    super(init.message, init);
    Object.assign(this, init, { issues: init.issues ?? [] });
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** An error response the contract declares for the operation: `status` and `code` belong together. */
export interface LoglaneApiError<C extends ErrorCode = ErrorCode, S extends number = number> extends LoglaneError {
  readonly kind: 'api';
  readonly status: S;
  readonly code: C;
  readonly violation: undefined;
}

/** No response arrived (connection refused, DNS, TLS, aborted, or the request could not be built). */
export interface LoglaneNetworkError extends LoglaneError {
  readonly kind: 'network';
  readonly status: undefined;
  readonly code: undefined;
  readonly violation: undefined;
}

/** A response the contract does not allow; not an API error, whatever its status. */
export interface LoglaneContractError extends LoglaneError {
  readonly kind: 'contract';
  readonly code: undefined;
  readonly violation: ContractViolation;
}

export type AnyLoglaneError = LoglaneApiError | LoglaneNetworkError | LoglaneContractError;

/**
 * True when `value` is a LoglaneError (of any kind); with `code`, true only for an `api` error with
 * that code. On a call's typed `error` the result narrows to that code's members (their `status`
 * included); on `unknown` it narrows to `LoglaneApiError<code>`.
 */
export function isLoglaneError<E>(value: E): value is E & AnyLoglaneError;
export function isLoglaneError<E, C extends ErrorCode>(value: E, code: C): value is E & LoglaneApiError<C>;
export function isLoglaneError(value: unknown, code?: ErrorCode): boolean {
  if (typeof value !== 'object' || value === null || !(BRAND in value)) return false;
  if (code === undefined) return true;
  const error = value as unknown as LoglaneError;
  return error.kind === 'api' && error.code === code;
}
