// The request pipeline: builds the request from an operation descriptor, sends it, and classifies
// the response against the descriptor's declared statuses. Anything more (429 retry, session
// refresh) is a plugin around it (`use`), so an app that needs none of them ships none of them.
import type { ErrorCode, ErrorDetail } from '../../generated/client/types.gen.ts';
import { CODES_BY_STATUS } from '../../generated/client-operations.ts';
import { type ContractViolation, LoglaneError, type RateLimit } from './errors.ts';
import type { OperationSpec } from './spec.ts';
import type {
  LoglaneCore,
  LoglaneCoreOptions,
  LoglaneCredential,
  LoglanePluginContext,
  LoglaneRawRequest,
  LoglaneRawResult,
  LoglaneSend,
  OperationId,
} from './types.ts';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A header holding a whole number of seconds or requests (X-RateLimit-*, Retry-After). */
export function integerHeader(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  return raw !== null && /^\s*\d+\s*$/.test(raw) ? Number(raw) : undefined;
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date. */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | undefined {
  const seconds = integerHeader(headers, 'Retry-After') ?? Math.ceil((Date.parse(headers.get('Retry-After') ?? '') - now) / 1000);
  return Number.isNaN(seconds) ? undefined : Math.max(0, seconds);
}

function readRateLimit(headers: Headers, status: number): RateLimit | undefined {
  const [limit, remaining, reset] = ['Limit', 'Remaining', 'Reset'].map((name) => integerHeader(headers, `X-RateLimit-${name}`));
  if (limit === undefined || remaining === undefined || reset === undefined) return undefined;
  const retryAfter = status === 429 ? retryAfterSeconds(headers) : undefined;
  return retryAfter === undefined ? { limit, remaining, reset } : { limit, remaining, reset, retryAfter };
}

// Path parameters are single segments; query arrays explode (`?level=info&level=warn`) and objects
// are deepObject (`?attributes[region]=eu`), as the contract declares (scripts/client-operations.ts
// refuses parameters serialised otherwise).
const queryPairs = (name: string, value: unknown): [string, unknown][] =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).map(([key, item]) => [`${name}[${key}]`, item])
    : [value].flat().map((item) => [name, item]);

export function buildUrl(baseUrl: string, template: string, path: Json = {}, query: Json = {}): string {
  const url = baseUrl + template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(path[name])));
  const pairs = Object.entries(query)
    .flatMap(([name, value]) => queryPairs(name, value))
    .filter(([, item]) => item != null)
    .map(([name, item]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(item))}`);
  return pairs.length ? `${url}?${pairs.join('&')}` : url;
}

const describeCause = (cause: unknown) =>
  cause instanceof Error ? cause.message + (cause.cause instanceof Error ? ` (${cause.cause.message})` : '') : String(cause);

/** The result of a call that got no response. */
export function networkFailure(operation: OperationSpec, message: string, cause: unknown): LoglaneRawResult {
  const error = new LoglaneError({ kind: 'network', operation: operation.id, message, cause });
  return { data: undefined, meta: undefined, error, status: undefined, response: undefined, rateLimit: undefined, requestId: undefined };
}

function parseJson(text: string): { body: unknown } | undefined {
  try {
    return { body: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

export function createLoglaneCore(options: LoglaneCoreOptions): LoglaneCore {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  let { accessToken, refreshToken } = options;

  function credentialFor(op: OperationSpec): LoglaneCredential | undefined {
    for (const kind of op.auth) {
      const value = kind === 'apiKey' ? options.apiKey : accessToken;
      if (value) return { kind, value };
    }
    return undefined;
  }

  async function classify(op: OperationSpec, response: Response, text: string): Promise<LoglaneRawResult> {
    const { status, headers } = response;
    const rateLimit = readRateLimit(headers, status);
    const info = { status, response, rateLimit, requestId: headers.get('X-Request-Id') ?? undefined };
    const answered = `${op.id} answered ${status}`;
    const contract = (violation: ContractViolation, message: string, body: unknown, issues?: readonly string[]): LoglaneRawResult => ({
      ...info,
      data: undefined,
      meta: undefined,
      error: new LoglaneError({
        kind: 'contract',
        operation: op.id,
        message,
        status,
        violation,
        issues,
        body,
        rateLimit,
        requestId: info.requestId,
      }),
    });

    const success = op.ok.includes(status);
    // A success body declared as text or absent is not parsed; everything else is JSON.
    const parsed = success && op.body !== 'json' ? { body: op.body === 'text' ? text : undefined } : parseJson(text);
    const body = parsed ? parsed.body : text;
    const envelope: Json = isObject(body) && body.success === false && isObject(body.error) ? body.error : {};
    const { code, message } = envelope;

    if (!success && !op.errors.includes(status)) {
      const said = code ? ` (${code}: ${message})` : '';
      return contract('undeclared-status', `${answered}${said}, a status the contract does not declare for it`, body);
    }
    if (!parsed) return contract('unparsable-body', `${answered} with a body that is not JSON`, text);
    const issues =
      (await options.validateResponses?.({ operation: op.id as OperationId, status, kind: success ? 'success' : 'error', body })) ?? [];
    if (issues.length)
      return contract('schema-mismatch', `${answered} with a body that does not match the contract: ${issues.join('; ')}`, body, issues);

    if (success) {
      if (!op.envelope) return { ...info, data: body, meta: undefined, error: undefined };
      if (isObject(body) && body.success === true && 'data' in body) return { ...info, data: body.data, meta: body.meta, error: undefined };
      return contract('unexpected-body', `${answered} without the success envelope`, body);
    }
    if (typeof code !== 'string' || typeof message !== 'string')
      return contract('unexpected-body', `${answered} without the error envelope`, body);
    if (!CODES_BY_STATUS[status]?.includes(code)) {
      return contract('unexpected-body', `${answered} with code ${code}, which the error catalog does not give status ${status}`, body);
    }
    const requestId = typeof envelope.requestId === 'string' ? envelope.requestId : info.requestId;
    const details = Array.isArray(envelope.details) ? (envelope.details as ErrorDetail[]) : undefined;
    const error = new LoglaneError({
      kind: 'api',
      operation: op.id,
      message,
      status,
      code: code as ErrorCode,
      details,
      requestId,
      rateLimit,
    });
    return { ...info, requestId, data: undefined, meta: undefined, error };
  }

  /** The innermost step: one request, one response. */
  const exchange: LoglaneSend = async (op, { body, path, query, headers, signal }) => {
    const credential = credentialFor(op);
    const requestHeaders: Record<string, string> = { ...options.headers, ...headers };
    if (op.body === 'json') requestHeaders.Accept ??= 'application/json';
    if (body !== undefined) requestHeaders['Content-Type'] = 'application/json';
    if (credential) requestHeaders.Authorization = `Bearer ${credential.value}`;
    // A declared redirect is the answer itself (e.g. startOAuth's Location), not something to follow.
    const redirect = op.ok.some((status) => status >= 300 && status < 400) ? 'manual' : undefined;

    let url: string;
    let payload: string | undefined;
    try {
      url = buildUrl(baseUrl, op.url, path, query);
      payload = body === undefined ? undefined : JSON.stringify(body);
    } catch (cause) {
      return networkFailure(op, `${op.id}: the request could not be built: ${describeCause(cause)}`, cause);
    }

    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(url, { method: op.method, headers: requestHeaders, body: payload, signal, redirect });
      text = await response.text();
    } catch (cause) {
      return networkFailure(
        op,
        signal?.aborted ? `${op.id} was aborted` : `${op.id} got no response from ${baseUrl}: ${describeCause(cause)}`,
        cause,
      );
    }
    return classify(op, response, text);
  };

  const core: LoglaneCore = {
    call: ((op: OperationSpec, request: LoglaneRawRequest = {}) => send(op, request)) as LoglaneCore['call'],
    setTokens(tokens) {
      accessToken = tokens?.accessToken;
      refreshToken = tokens?.refreshToken;
    },
    getTokens: () => ({ accessToken, refreshToken }),
  };
  const context: LoglanePluginContext = { ...core, credentialFor };
  // The first plugin is the outermost: it sees the call first and the result last.
  const send = (options.use ?? []).reduceRight<LoglaneSend>((next, plugin) => plugin(next, context), exchange);
  return core;
}
