// A local stand-in for the API: a node:http server on 127.0.0.1 (port 0) answering canned,
// contract-shaped responses, recording every request it gets.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StubRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  text: string;
  body: unknown;
}

export interface StubReply {
  status: number;
  /** JSON body (serialised). */
  body?: unknown;
  /** Raw body, sent as is (instead of `body`). */
  text?: string;
  headers?: Record<string, string>;
  /** Answer after this long. */
  delayMs?: number;
}

export type StubHandler = (request: StubRequest) => StubReply | Promise<StubReply>;

export interface Stub {
  url: string;
  requests: StubRequest[];
  /** Requests to one path (method optional: `POST /v1/auth/refresh`). */
  count(route: string): number;
  close(): Promise<void>;
}

export async function startStub(handler: StubHandler): Promise<Stub> {
  const requests: StubRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stub');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const request: StubRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      text,
      body,
    };
    requests.push(request);
    try {
      const reply = await handler(request);
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      const payload = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
      const headers: Record<string, string> = { 'X-Request-Id': `req_${requests.length}`, ...reply.headers };
      if (reply.text === undefined && reply.body !== undefined) headers['Content-Type'] ??= 'application/json';
      res.writeHead(reply.status, headers).end(payload);
    } catch (error) {
      res.writeHead(599).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count: (route) => {
      const [method, path] = route.includes(' ') ? route.split(' ') : [undefined, route];
      return requests.filter((r) => r.path === path && (!method || r.method === method)).length;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const TIME = '2026-03-07T12:00:00.000Z';
const meta = { timestamp: TIME };

/** A success envelope. */
export const ok = (data: unknown, status = 200, headers?: Record<string, string>): StubReply => ({
  status,
  headers,
  body: { success: true, data, error: null, meta },
});

/** An error envelope. */
export const failure = (
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers?: Record<string, string>,
): StubReply => ({
  status,
  headers,
  body: { success: false, data: null, error: { code, message, requestId: 'req_body', ...extra }, meta },
});

export const rateHeaders = (remaining: number, extra: Record<string, string> = {}) => ({
  'X-RateLimit-Limit': '10',
  'X-RateLimit-Remaining': String(remaining),
  'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + 60),
  ...extra,
});

export const user = { id: 'usr_ada', email: 'ada@example.com', name: 'Ada', emailVerified: true, createdAt: TIME };
export const workspace = { id: 'ws_acme', name: 'Acme', slug: 'acme', role: 'owner', createdAt: TIME, updatedAt: TIME };
export const session = (accessToken: string, refreshToken: string) => ({
  accessToken,
  refreshToken,
  tokenType: 'Bearer',
  expiresIn: 900,
  user,
});
export const health = { status: 'ok', version: '1.0.0', time: TIME };
