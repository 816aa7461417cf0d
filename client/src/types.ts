// The client's types, derived from the contract's generated types: requests from `<Op>Data`, success
// bodies from `<Op>Responses`, and each operation's error union from its `<Op>Errors` status map and
// the error catalog (generated/errors.ts: which codes each status carries).

import type { LogEntry, Session, TailLogsData } from '../../generated/client/types.gen.ts';
import type { Operations } from '../../generated/client-operations.ts';
import type { ERRORS } from '../../generated/errors.ts';
import type { LoglaneApiError, LoglaneContractError, LoglaneError, LoglaneNetworkError, RateLimit } from './errors.ts';
import type { CredentialKind, OperationSpec } from './spec.ts';

export type { Operations };

export interface TailLogsRequest {
  query?: TailLogsData['query'];
  /** Resume after this entry id (the last one already seen). */
  lastEventId?: string;
  /** Ends the iteration (and closes the stream) when aborted. */
  signal?: AbortSignal;
  /** Wait before reopening a dropped stream, in milliseconds (default 1000). */
  reconnectDelayMs?: number;
}

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
  /** Retries after the first attempt (default 2). */
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
export type ResponseValidator = (response: ResponseToValidate) => readonly string[] | undefined | Promise<readonly string[] | undefined>;

export type Tokens = Pick<Session, 'accessToken' | 'refreshToken'>;

export interface LoglaneCoreOptions {
  /** e.g. `http://127.0.0.1:8787` (no trailing `/v1`: paths carry it). */
  baseUrl: string;
  /** A user access token (JWT), sent to operations that take a user. */
  accessToken?: string;
  /** A refresh token, kept with the access token; the `refreshExpiredSessions` plugin spends it. */
  refreshToken?: string;
  /** A project API key `sk_…`, sent to operations that take one (logs); preferred where both are accepted. */
  apiKey?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** A fetch implementation (default: the global fetch). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /**
   * Checks every declared response body (success and error) before it is returned; a mismatch
   * becomes a `contract` error. The generated zod schemas are one import away:
   * `createLoglaneClient` from `@loglane/client/validate` takes `validateResponses: true`.
   */
  validateResponses?: ResponseValidator;
  /** Plugins wrapped around every call, outermost first (e.g. `[retryRateLimited(), refreshExpiredSessions()]`). */
  use?: readonly LoglanePlugin[];
}

/** The client's options: the core's, and the settings of the plugins it wires in. */
export interface LoglaneClientOptions extends Omit<LoglaneCoreOptions, 'use'> {
  /** With `refreshToken`: called with the new session after every automatic refresh (store the rotated refresh token). */
  onTokens?: OnTokens;
  /** Automatic retry of 429 responses; off unless given (or asked for by a call). */
  retry?: RetryOptions;
}

/** Told of every session an automatic refresh obtains. */
export type OnTokens = (session: Session) => void | Promise<void>;

/** Per-call options, next to the operation's own `body` / `path` / `query`. */
export interface CallOptions {
  /** Extra headers for this call. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Overrides the retry plugin's policy for this call (createLoglaneClient has it); `false` disables it. */
  retry?: RetryOptions | false;
}

/** The request of operation K: its contract `body` / `path` / `query`, plus per-call options. */
export type LoglaneRequest<K extends OperationId> = Omit<Operations[K]['data'], 'url'> & CallOptions;

// biome-ignore lint/complexity/noBannedTypes: `{} extends T` is how to ask whether every field of T is optional.
type AllOptional<T> = {} extends T ? true : false;

/** The request argument, optional when the operation has no required part. */
export type LoglaneArgs<K extends OperationId> =
  AllOptional<Omit<Operations[K]['data'], 'url'>> extends true ? [request?: LoglaneRequest<K>] : [request: LoglaneRequest<K>];

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

/** Any operation's request, as plugins see it. */
export interface LoglaneRawRequest extends CallOptions {
  body?: unknown;
  path?: Record<string, unknown>;
  query?: Record<string, unknown>;
}

/** Any operation's result, as plugins see it. */
export interface LoglaneRawResult extends ResultInfo {
  data: unknown;
  meta: unknown;
  error: LoglaneError | undefined;
  status: number | undefined;
  response: Response | undefined;
}

/** One step of the pipeline: sends a request of `operation` and classifies the response. */
export type LoglaneSend = (operation: OperationSpec, request: LoglaneRawRequest) => Promise<LoglaneRawResult>;

/** The credential a request presents (as `Authorization: Bearer <value>`). */
export interface LoglaneCredential {
  kind: CredentialKind;
  value: string;
}

/** What a plugin can use besides the next step: the core, and which credential a call would present now. */
export interface LoglanePluginContext extends LoglaneCore {
  credentialFor(operation: OperationSpec): LoglaneCredential | undefined;
}

/** Wraps the pipeline (`next`: the plugins inside it, then the request itself), like fetch middleware. */
export type LoglanePlugin = (next: LoglaneSend, context: LoglanePluginContext) => LoglaneSend;

/** The client without the operation table: call any operation descriptor (tree-shakes to what you use); plugins (`use`) add the rest. */
export interface LoglaneCore {
  call<K extends OperationId>(operation: OperationSpec<K>, ...args: LoglaneArgs<K>): Promise<LoglaneResult<K>>;
  /** Replaces the user tokens (e.g. with the session from `login` or `verifyEmail`); `null` signs out locally. */
  setTokens(tokens: Tokens | { accessToken?: string; refreshToken?: string } | null): void;
  /** The current user tokens (after any automatic refresh). */
  getTokens(): { accessToken: string | undefined; refreshToken: string | undefined };
}

/** Every operation of the contract as a method (`client.login(…)`, `client.createWorkspace(…)`), plus the core and the live tail. */
export type LoglaneClient = { readonly [K in OperationId]: LoglaneMethod<K> } & LoglaneCore & {
    /** GET /v1/logs/tail as entries, reconnecting by itself (client/src/tail.ts). */
    tailLogs(request?: TailLogsRequest): AsyncGenerator<LogEntry, void, undefined>;
  };
