// tailLogs: GET /v1/logs/tail as an async iterator of entries that reconnects by itself.
//
//   for await (const entry of loglane.tailLogs({ query: { level: ['error'], service: ['api'] } })) console.log(entry.message);
//
// Each reconnection sends the id of the last entry yielded as Last-Event-ID, so the server replays
// what was stored meanwhile (within its 24-hour window) before going on live. A network failure,
// a 5xx or a 429 is waited out (Retry-After for a 429) and the stream reopened; any other error
// ends the iteration by throwing a LoglaneError of kind `api`. Stop it with `signal` or `break`.
// An entry can arrive twice (a replay repeats entries stored out of id order; a batch resent under
// an Idempotency-Key can be published twice): the iterator yields each id once.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ErrorBody, LogEntry } from '../../generated/client/types.gen.ts';
import { buildUrl, retryAfterSeconds } from './core.ts';
import { LoglaneError } from './errors.ts';
import type { TailLogsRequest } from './types.ts';

export interface TailLogsConnection {
  baseUrl: string;
  /** An API key with logs:read; else `accessToken` with `query.projectId`. */
  apiKey?: string;
  accessToken?: string;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** The `log` events of one open stream, as entries, until it ends. */
async function* entriesOf(body: ReadableStream<Uint8Array>): AsyncGenerator<LogEntry> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
      for (const event of events.splice(0)) if (event.event === 'log') yield JSON.parse(event.data) as LogEntry;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

async function apiError(response: Response): Promise<LoglaneError> {
  const body = (await response.json().catch(() => undefined)) as { error?: Partial<ErrorBody> } | undefined;
  const error = body?.error ?? {};
  return new LoglaneError({
    kind: 'api',
    operation: 'tailLogs',
    status: response.status,
    code: error.code,
    message: error.message ?? `tailLogs answered ${response.status}`,
    details: error.details,
    requestId: error.requestId ?? response.headers.get('X-Request-Id') ?? undefined,
    body,
  });
}

/** How many of the latest yielded ids are remembered to skip repeats. */
const REMEMBERED_IDS = 10_000;

export async function* tailLogs(connection: TailLogsConnection, request: TailLogsRequest = {}): AsyncGenerator<LogEntry, void, undefined> {
  const { signal, reconnectDelayMs = 1000 } = request;
  const fetchImpl = connection.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const url = buildUrl(connection.baseUrl.replace(/\/+$/, ''), '/v1/logs/tail', {}, request.query);
  const credential = connection.apiKey ?? connection.accessToken;
  let lastEventId = request.lastEventId;
  const yielded = new Set<string>();
  while (!signal?.aborted) {
    let wait = reconnectDelayMs;
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (credential) headers.Authorization = `Bearer ${credential}`;
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    let response: Response | undefined;
    try {
      response = await fetchImpl(url, { headers, signal });
    } catch {
      // No answer (or aborted): reconnect after the delay, or stop below.
    }
    if (response?.status === 200 && response.body) {
      try {
        for await (const entry of entriesOf(response.body)) {
          lastEventId = entry.id;
          if (yielded.has(entry.id)) continue;
          yielded.add(entry.id);
          if (yielded.size > REMEMBERED_IDS) yielded.delete(yielded.values().next().value!);
          yield entry;
        }
      } catch {
        // The stream dropped: reopen it, resuming after the last entry.
      }
    } else if (response) {
      const error = await apiError(response);
      if (response.status !== 429 && response.status < 500) throw error;
      wait = (retryAfterSeconds(response.headers) ?? reconnectDelayMs / 1000) * 1000;
    }
    await sleep(wait, signal);
  }
}
