// Tests talk to the Worker over HTTP (inside workerd) and every answer is checked against the contract.
// A request returns once the work it left running past the response (ctx.waitUntil: the mail of
// the email flows) has finished too, so that tests read the outbox as the request left it.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../src/index';
import { assertMatchesContract } from './contract';

export type ApiResponse<T = any> = { status: number; headers: Headers; body: T; text: string };

export type RequestOptions = {
  body?: unknown;
  /** Sent as-is (for malformed or oversized bodies). */
  rawBody?: BodyInit;
  headers?: Record<string, string>;
  /** A user's access token or an API key secret, sent as `Authorization: Bearer`. */
  token?: string;
  /** Client IP as Cloudflare reports it. */
  ip?: string;
  /** Bindings and vars to run this request with instead of the test environment's. */
  bindings?: Partial<Env>;
};

export const ORIGIN = 'http://loglane.test';

export async function request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set('Authorization', `Bearer ${options.token}`);
  if (options.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  headers.set('CF-Connecting-IP', options.ip ?? headers.get('CF-Connecting-IP') ?? '203.0.113.10');
  const url = `${ORIGIN}${path}`;
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(url, {
      method,
      headers,
      redirect: 'manual',
      body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    }) as Request<unknown, IncomingRequestCfProperties>,
    { ...env, ...options.bindings },
    ctx,
  );
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  const isJson = res.headers.get('content-type')?.startsWith('application/json');
  const body = isJson ? JSON.parse(text) : text;
  assertMatchesContract(method, url, res.status, res.headers, body);
  return { status: res.status, headers: res.headers, body, text };
}

export const api = {
  get: <T = any>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
  post: <T = any>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body }),
  patch: <T = any>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }),
  delete: <T = any>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
};

/** Asserts an error envelope with this status, code and (optionally) exact message. */
export function expectError(res: ApiResponse, status: number, code: string, message?: string) {
  const problems: string[] = [];
  if (res.status !== status) problems.push(`status ${res.status}, expected ${status}`);
  if (res.body?.error?.code !== code) problems.push(`code ${res.body?.error?.code}, expected ${code}`);
  if (message !== undefined && res.body?.error?.message !== message)
    problems.push(`message "${res.body?.error?.message}", expected "${message}"`);
  if (res.body?.error?.requestId !== res.headers.get('x-request-id')) problems.push('error.requestId differs from X-Request-Id');
  if (problems.length) throw new Error(`${problems.join('; ')}\n  body: ${res.text.slice(0, 400)}`);
}
