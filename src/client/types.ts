// The client's types, derived from the contract's generated types: requests from `<Op>Data`, success
// bodies from `<Op>Responses`, and each operation's error union from its `<Op>Errors` status map and
// the error catalog (generated/errors.ts: which codes each status carries).
import type { ERRORS } from '../../generated/errors.ts';
import type { Session } from '../../generated/client/types.gen.ts';
import type { LoglaneApiError, LoglaneContractError, LoglaneNetworkError, RateLimit } from './errors.ts';
import type { Operations } from '../../generated/client-operations.ts';
import type { OperationSpec } from './spec.ts';

export type { Operations };

/** Every operationId of the public contract. */
export type OperationId = keyof Operations;

type Scenario = (typeof ERRORS)[keyof typeof ERRORS];

/** The error codes the catalog gives an HTTP status, e.g. `CodesForStatus<401>` is `'UNAUTHORIZED' | 'AUTH_FAILED'`. */
export type CodesForStatus<S extends number> = Extract<Scenario, { status: S }>['code'];

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type StatusesOf<M> = Extract<keyof M, number>;

/** The `api` errors an operation can answer with: one member per declared status and code. */
export type LoglaneApiErrorOf<K extends OperationId> = {
  [S in StatusesOf<Operations[K]['errors']>]: { [C in CodesForStatus<S>]: LoglaneApiError<C, S> }[CodesForStatus<S>];
}[StatusesOf<Operations[K]['errors']>];

/** Everything a call of operation K can fail with. */
export type LoglaneErrorOf<K extends OperationId> = LoglaneApiErrorOf<K> | LoglaneNetworkError | LoglaneContractError;

/** The error codes operation K declares, e.g. `LoglaneErrorCode<'queryLogs'>` includes `'INVALID_SOURCE'`. */
export type LoglaneErrorCode<K extends OperationId> = LoglaneApiErrorOf<K>['code'];

/** Retry of 429 responses, honouring `Retry-After` (else `X-RateLimit-Reset`). */
export interface RetryOptions {
  /** Retries after the first attempt (default 2 once `retry` is given; no retry without it). */
  maxRetries?: number;
  /** The longest wait the client accepts; a 429 asking for longer is returned at once (default 30 000). */
  maxDelayMs?: number;
}

/** What a response validator is given: the raw body, before the envelope is unwrapped. */
export interface ResponseToValidate {
  operation: OperationId;
  status: number;
  /** `success` for a declared success status, `error` for a declared error status. */
  kind: 'success' | 'error';
  body: unknown;
}

/** Returns the problems found (empty or undefined when the body matches the contract). */
export type ResponseValidator = (
  response: ResponseToValidate,
) => readonly string[] | undefined | Promise<readonly string[] | undefined>;

export type Tokens = Pick<Session, 'accessToken' | 'refreshToken'>;

export interface LoglaneClientOptions {
  /** e.g. `http://127.0.0.1:8787` (no trailing `/v1`: paths carry it). */
  baseUrl: string;
  /** A user access token (JWT), sent to operations that take a user. */
  accessToken?: string;
  /** A refresh token: with it, a 401 "Token expired" refreshes the session once and retries. */
  refreshToken?: string;
  /** Called with the new session after every automatic refresh (store the rotated refresh token). */
  onTokens?: (session: Session) => void | Promise<void>;
  /** A project API key `sk_…`, sent to operations that take one (logs); preferred where both are accepted. */
  apiKey?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** A fetch implementation (default: the global fetch). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Automatic retry of 429 responses; off unless given. */
  retry?: RetryOptions;
  /**
   * Checks every declared response body (success and error) before it is returned; a mismatch
   * becomes a `contract` error. The generated zod schemas are one import away:
   * `createLoglaneClient` from `@loglane/client/validate` takes `validateResponses: true`.
   */
  validateResponses?: ResponseValidator;
}

/** Per-call options, next to the operation's own `body` / `path` / `query`. */
export interface CallOptions {
  /** Extra headers for this call. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Overrides the client's retry policy for this call; `false` disables it. */
  retry?: RetryOptions | false;
}

/** The request of operation K: its contract `body` / `path` / `query`, plus per-call options. */
export type LoglaneRequest<K extends OperationId> = Omit<Operations[K]['data'], 'url'> & CallOptions;

/** The request argument, optional when the operation has no required part. */
export type LoglaneArgs<K extends OperationId> = {} extends Omit<Operations[K]['data'], 'url'>
  ? [request?: LoglaneRequest<K>]
  : [request: LoglaneRequest<K>];

type Unwrapped<B> = B extends { success: true; data: infer D; meta: infer M } ? { data: D; meta: M } : { data: B; meta: undefined };

/** What every result carries besides `data` / `error`. */
export interface ResultInfo {
  /** The rate-limit headers, when the response carried them. */
  rateLimit: RateLimit | undefined;
  /** X-Request-Id of the response. */
  requestId: string | undefined;
}

/** A success: `data` is the envelope's payload (`meta` beside it), `status` one the contract declares. */
export type LoglaneSuccess<K extends OperationId> = {
  [S in StatusesOf<Operations[K]['responses']>]: Simplify<
    Unwrapped<Operations[K]['responses'][S]> & { error: undefined; status: S; response: Response } & ResultInfo
  >;
}[StatusesOf<Operations[K]['responses']>];

/** A failure: `error` says which kind; `response` is there unless no response arrived. */
export type LoglaneFailure<K extends OperationId> = Simplify<
  { data: undefined; meta: undefined; error: LoglaneErrorOf<K>; status: number | undefined; response: Response | undefined } & ResultInfo
>;

/** Every call resolves (never rejects) to one of these: check `error` first. */
export type LoglaneResult<K extends OperationId> = LoglaneSuccess<K> | LoglaneFailure<K>;

/** The success payload of operation K (the envelope's `data`). */
export type LoglaneData<K extends OperationId> = LoglaneSuccess<K>['data'];

/** One operation as a method of the client. */
export type LoglaneMethod<K extends OperationId> = (...args: LoglaneArgs<K>) => Promise<LoglaneResult<K>>;

/** The client without the operation table: call any operation descriptor (tree-shakes to what you use). */
export interface LoglaneCore {
  call<K extends OperationId>(operation: OperationSpec<K>, ...args: LoglaneArgs<K>): Promise<LoglaneResult<K>>;
  /** Replaces the user tokens (e.g. with the session from `login` or `verifyEmail`); `null` signs out locally. */
  setTokens(tokens: Tokens | { accessToken?: string; refreshToken?: string } | null): void;
  /** The current user tokens (after any automatic refresh). */
  getTokens(): { accessToken: string | undefined; refreshToken: string | undefined };
}

/** Every operation of the contract as a method (`client.login(…)`, `client.createWorkspace(…)`), plus the core. */
export type LoglaneClient = { readonly [K in OperationId]: LoglaneMethod<K> } & LoglaneCore;
