// The request pipeline: builds the request from an operation descriptor (with the generated client's
// URL and query serialisation), sends it, retries 429s and refreshes expired sessions when asked to,
// and classifies the response against the descriptor's declared statuses.
import { createQuerySerializer } from '../../generated/client/client/utils.gen.ts';
import { getUrl } from '../../generated/client/core/utils.gen.ts';
import type { ErrorCode, ErrorDetail, Session } from '../../generated/client/types.gen.ts';
import { type ContractViolation, LoglaneError, type RateLimit } from './errors.ts';
import { CODES_BY_STATUS, refreshSession } from '../../generated/client-operations.ts';
import type { OperationSpec } from './spec.ts';
import type { CallOptions, LoglaneClientOptions, LoglaneCore, OperationId, RetryOptions } from './types.ts';

/** The catalog message of an expired access token (ERRORS.tokenExpired); the only 401 worth a refresh. */
export const TOKEN_EXPIRED_MESSAGE = 'Token expired';

const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_MAX_DELAY_MS = 30_000;
const BACKOFF_BASE_MS = 500;

// Arrays explode as `?level=info&level=warn`, as the contract's query parameters declare.
const querySerializer = createQuerySerializer({ allowReserved: false, array: { explode: true, style: 'form' } });

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

interface RawRequest extends CallOptions {
  body?: unknown;
  path?: Record<string, unknown>;
  query?: Record<string, unknown>;
}

interface Outcome {
  data: unknown;
  meta: unknown;
  error: LoglaneError | undefined;
  status: number | undefined;
  response: Response | undefined;
  rateLimit: RateLimit | undefined;
  requestId: string | undefined;
}

function integerHeader(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return undefined;
  return Number(raw);
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date. */
function retryAfterSeconds(headers: Headers, now: number): number | undefined {
  const raw = headers.get('Retry-After');
  if (raw === null) return undefined;
  if (/^\s*\d+\s*$/.test(raw)) return Number(raw);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

export function readRateLimit(headers: Headers, status: number): RateLimit | undefined {
  const limit = integerHeader(headers, 'X-RateLimit-Limit');
  const remaining = integerHeader(headers, 'X-RateLimit-Remaining');
  const reset = integerHeader(headers, 'X-RateLimit-Reset');
  const retryAfter = status === 429 ? retryAfterSeconds(headers, Date.now()) : undefined;
  if (limit === undefined || remaining === undefined || reset === undefined) return undefined;
  return retryAfter === undefined ? { limit, remaining, reset } : { limit, remaining, reset, retryAfter };
}

/** How long to wait before retrying a 429: Retry-After, else X-RateLimit-Reset, else exponential backoff. */
export function retryDelayMs(headers: Headers, attempt: number, now = Date.now()): number {
  const retryAfter = retryAfterSeconds(headers, now);
  if (retryAfter !== undefined) return retryAfter * 1000;
  const reset = integerHeader(headers, 'X-RateLimit-Reset');
  if (reset !== undefined) return Math.max(0, reset * 1000 - now);
  return BACKOFF_BASE_MS * 2 ** attempt;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
    return `${cause.message}${inner}`;
  }
  return String(cause);
}

function isTokenExpired(text: string): boolean {
  try {
    const body: unknown = JSON.parse(text);
    return isObject(body) && isObject(body.error) && body.error.code === 'UNAUTHORIZED' && body.error.message === TOKEN_EXPIRED_MESSAGE;
  } catch {
    return false;
  }
}

export function createLoglaneCore(options: LoglaneClientOptions): LoglaneCore {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
  const tokens: { accessToken: string | undefined; refreshToken: string | undefined } = {
    accessToken: options.accessToken,
    refreshToken: options.refreshToken,
  };
  let refreshing: Promise<LoglaneError | undefined> | undefined;

  function credentialFor(op: OperationSpec): { kind: 'apiKey' | 'user'; value: string } | undefined {
    for (const kind of op.auth) {
      const value = kind === 'apiKey' ? options.apiKey : tokens.accessToken;
      if (value) return { kind, value };
    }
    return undefined;
  }

  /** One refresh at a time: concurrent expired calls share it. Resolves to the failure, if any. */
  function refresh(staleToken: string): Promise<LoglaneError | undefined> {
    // Another call refreshed (or the app set new tokens) since this request was sent: just retry.
    if (tokens.accessToken !== staleToken) return Promise.resolve(undefined);
    refreshing ??= (async () => {
      const refreshToken = tokens.refreshToken;
      if (!refreshToken) return undefined;
      const result = await send(refreshSession, { body: { refreshToken } });
      if (result.error) {
        // A refused refresh token is spent (revoked, reused or expired): stop presenting it.
        if (result.error.kind === 'api' && result.error.status === 401) tokens.refreshToken = undefined;
        return result.error;
      }
      const session = result.data as Session;
      tokens.accessToken = session.accessToken;
      tokens.refreshToken = session.refreshToken;
      try {
        await options.onTokens?.(session);
      } catch {
        // The new tokens are in use either way; a failing callback must not fail the calls waiting on it.
      }
      return undefined;
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  async function classify(op: OperationSpec, response: Response, text: string): Promise<Outcome> {
    const status = response.status;
    const rateLimit = readRateLimit(response.headers, status);
    const headerRequestId = response.headers.get('X-Request-Id') ?? undefined;
    const base = { status, response, rateLimit, requestId: headerRequestId };
    const contract = (violation: ContractViolation, message: string, body: unknown, issues?: readonly string[]): Outcome => ({
      ...base,
      data: undefined,
      meta: undefined,
      error: new LoglaneError({ kind: 'contract', operation: op.id, message, status, violation, issues, body, rateLimit, requestId: headerRequestId }),
    });
    const parseJson = (): { ok: true; body: unknown } | { ok: false } => {
      try {
        return { ok: true, body: JSON.parse(text) };
      } catch {
        return { ok: false };
      }
    };
    const validate = async (kind: 'success' | 'error', body: unknown): Promise<readonly string[]> =>
      (await options.validateResponses?.({ operation: op.id as OperationId, status, kind, body })) ?? [];

    if (op.ok.includes(status)) {
      let body: unknown;
      if (op.body === 'json') {
        const parsed = parseJson();
        if (!parsed.ok) return contract('unparsable-body', `${op.id} answered ${status} with a body that is not JSON`, text);
        body = parsed.body;
      } else if (op.body === 'text') {
        body = text;
      }
      const issues = await validate('success', body);
      if (issues.length) return contract('schema-mismatch', `${op.id} answered ${status} with a body that does not match the contract: ${issues.join('; ')}`, body, issues);
      if (!op.envelope) return { ...base, data: body, meta: undefined, error: undefined };
      if (!isObject(body) || body.success !== true || !('data' in body)) {
        return contract('unexpected-body', `${op.id} answered ${status} without the success envelope`, body);
      }
      return { ...base, data: body.data, meta: body.meta, error: undefined };
    }

    const parsed = parseJson();
    const body = parsed.ok ? parsed.body : text;
    const envelope = isObject(body) && body.success === false && isObject(body.error) ? (body.error as Json) : undefined;
    const code = typeof envelope?.code === 'string' ? envelope.code : undefined;
    const message = typeof envelope?.message === 'string' ? envelope.message : undefined;

    if (!op.errors.includes(status)) {
      const said = code ? ` (${code}: ${message ?? ''})` : '';
      return contract('undeclared-status', `${op.id} answered ${status}${said}, a status the contract does not declare for it`, body);
    }
    if (!parsed.ok) return contract('unparsable-body', `${op.id} answered ${status} with a body that is not JSON`, text);
    const issues = await validate('error', body);
    if (issues.length) return contract('schema-mismatch', `${op.id} answered ${status} with an error body that does not match the contract: ${issues.join('; ')}`, body, issues);
    if (!envelope || code === undefined || message === undefined) {
      return contract('unexpected-body', `${op.id} answered ${status} without the error envelope`, body);
    }
    if (!CODES_BY_STATUS[status]?.includes(code)) {
      return contract('unexpected-body', `${op.id} answered ${status} with code ${code}, which the error catalog does not give status ${status}`, body);
    }
    const requestId = typeof envelope.requestId === 'string' ? envelope.requestId : headerRequestId;
    const details = Array.isArray(envelope.details) ? (envelope.details as ErrorDetail[]) : undefined;
    const error = new LoglaneError({ kind: 'api', operation: op.id, message, status, code: code as ErrorCode, details, requestId, rateLimit });
    return { ...base, requestId, data: undefined, meta: undefined, error };
  }

  async function send(op: OperationSpec, request: RawRequest = {}): Promise<Outcome> {
    const network = (message: string, cause: unknown): Outcome => ({
      data: undefined,
      meta: undefined,
      status: undefined,
      response: undefined,
      rateLimit: undefined,
      requestId: undefined,
      error: new LoglaneError({ kind: 'network', operation: op.id, message, cause }),
    });

    const { body, path, query, headers, signal } = request;
    const retry: RetryOptions | false | undefined = request.retry === undefined ? options.retry : request.retry;
    const maxRetries = retry ? (retry.maxRetries ?? DEFAULT_MAX_RETRIES) : 0;
    const maxDelayMs = retry ? (retry.maxDelayMs ?? DEFAULT_MAX_DELAY_MS) : 0;

    let url: string;
    let payload: string | undefined;
    try {
      url = getUrl({ baseUrl, path, query, querySerializer, url: op.url });
      payload = body === undefined ? undefined : JSON.stringify(body);
    } catch (cause) {
      return network(`${op.id}: the request could not be built: ${describeCause(cause)}`, cause);
    }

    let retries = 0;
    let refreshed = false;
    for (;;) {
      const credential = credentialFor(op);
      const requestHeaders: Record<string, string> = { ...options.headers, ...headers };
      if (op.body === 'json') requestHeaders.Accept ??= 'application/json';
      if (payload !== undefined) requestHeaders['Content-Type'] = 'application/json';
      if (credential) requestHeaders.Authorization = `Bearer ${credential.value}`;
      const init: RequestInit = { method: op.method, headers: requestHeaders, body: payload, signal };
      // A declared redirect is the answer itself (e.g. startOAuth's Location), not something to follow.
      if (op.ok.some((status) => status >= 300 && status < 400)) init.redirect = 'manual';

      let response: Response;
      try {
        response = await fetchImpl(url, init);
      } catch (cause) {
        if (signal?.aborted) return network(`${op.id} was aborted`, cause);
        return network(`${op.id} could not reach ${baseUrl}: ${describeCause(cause)}`, cause);
      }

      if (response.status === 429 && retries < maxRetries) {
        const delay = retryDelayMs(response.headers, retries);
        if (delay <= maxDelayMs) {
          retries++;
          await response.body?.cancel().catch(() => undefined);
          try {
            await sleep(delay, signal);
          } catch (cause) {
            return network(`${op.id} was aborted`, cause);
          }
          continue;
        }
      }

      let text: string;
      try {
        text = await response.text();
      } catch (cause) {
        return network(`${op.id}: the response could not be read: ${describeCause(cause)}`, cause);
      }

      if (response.status === 401 && credential?.kind === 'user' && !refreshed && tokens.refreshToken && isTokenExpired(text)) {
        refreshed = true;
        const failure = await refresh(credential.value);
        if (failure === undefined && tokens.accessToken && tokens.accessToken !== credential.value) continue;
        const outcome = await classify(op, response, text);
        if (failure && outcome.error) Object.defineProperty(outcome.error, 'cause', { value: failure, configurable: true });
        return outcome;
      }

      return classify(op, response, text);
    }
  }

  return {
    call: ((op: OperationSpec, request?: RawRequest) => send(op, request)) as LoglaneCore['call'],
    setTokens(next) {
      tokens.accessToken = next?.accessToken;
      tokens.refreshToken = next?.refreshToken;
    },
    getTokens: () => ({ ...tokens }),
  };
}
