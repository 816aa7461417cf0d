// GET /v1/logs/tail: a server-sent event stream of one project's entries as they are stored.
// The Worker holds the client's stream and one WebSocket to the project's LogTail object (which
// hibernates between deliveries); a reconnecting client's Last-Event-ID is answered from the KV
// fast path before the live entries.
import type { z } from 'zod';
import type { zTailLogsQuery } from '../../generated/zod/zod.gen';
import { recentPage } from '../kv/recent-logs';
import { log } from '../lib/log';
import type { EntryConditions, LogEntry } from '../model/logs';
import { isActiveApiKey } from '../repositories/api-keys';
import { isActiveSession } from '../repositories/sessions';
import type { Principal } from '../types';
import { readableProject } from './log-query';

type Query = z.infer<typeof zTailLogsQuery>;

/** The URL parameter a tail's filter travels in to the LogTail object (src/tail/log-tail.ts): a URL, unlike a header, carries any text. */
export const TAIL_FILTER_PARAM = 'filter';

const encoder = new TextEncoder();
const event = (entry: LogEntry) => encoder.encode(`event: log\nid: ${entry.id}\ndata: ${JSON.stringify(entry)}\n\n`);
const HEARTBEAT = encoder.encode(': heartbeat\n\n');

/** The matching entries of the KV window received after `lastEventId`, in id (receive) order. */
async function missedSince(env: Env, projectId: string, conditions: EntryConditions, lastEventId: string): Promise<LogEntry[]> {
  const window = await recentPage(env.CACHE, { projectId, ...conditions, order: 'asc', limit: Number.MAX_SAFE_INTEGER }, Date.now());
  return window.entries.filter((entry) => entry.id > lastEventId).sort((a, b) => (a.id < b.id ? -1 : 1));
}

/**
 * Whether the caller may still read the project. A tail outlives its request, so every heartbeat
 * asks again: a revoked key, an ended session or a lost membership ends it within one interval.
 */
async function mayStillRead(env: Env, principal: Principal, projectId: string): Promise<boolean> {
  if (principal.kind === 'apiKey') return isActiveApiKey(env.DB, principal.keyId);
  if (!(await isActiveSession(env.DB, principal.userId, principal.sessionId))) return false;
  return readableProject(env, principal, projectId).then(
    () => true,
    () => false,
  );
}

/** Opens the project's tail: the SSE body, or undefined when the project has as many tails as allowed. */
export async function openTail(
  env: Env,
  principal: Principal,
  query: Query,
  lastEventId: string | undefined,
): Promise<ReadableStream<Uint8Array> | undefined> {
  const projectId = await readableProject(env, principal, query.projectId);
  const conditions: EntryConditions = { levels: query.level, services: query.service, attributes: query.attributes, text: query.q };
  const url = `https://log-tail/?${new URLSearchParams({ [TAIL_FILTER_PARAM]: JSON.stringify(conditions) })}`;
  const upstream = await env.LOG_TAIL.get(env.LOG_TAIL.idFromName(projectId)).fetch(url, { headers: { Upgrade: 'websocket' } });
  if (upstream.status === 429) return undefined;
  const socket = upstream.webSocket;
  if (!socket) throw new Error(`LogTail answered ${upstream.status} without a WebSocket`);
  socket.accept();

  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  let closed = false;
  let live = false;
  let buffered: LogEntry[] = [];
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    socket.close(1000, 'tail closed');
    writer.close().catch(() => {});
  };
  // A write fails once the client has gone: that is when the tail ends.
  const write = (chunk: Uint8Array) => void writer.write(chunk).catch(close);
  const send = (entries: LogEntry[]) => entries.forEach((entry) => write(event(entry)));
  const heartbeat = setInterval(
    async () => {
      // Fails closed: if the check itself fails, the client reconnects and is authenticated afresh.
      if (await mayStillRead(env, principal, projectId).catch(() => false)) write(HEARTBEAT);
      else close();
    },
    Number(env.TAIL_HEARTBEAT_SECONDS || 15) * 1000,
  );
  socket.addEventListener('message', (message) => {
    const entries: LogEntry[] = JSON.parse(message.data as string);
    if (live) send(entries);
    else buffered.push(...entries);
  });
  socket.addEventListener('close', close);

  // Subscribed before reading the replay, so nothing stored in between is lost; the live entries
  // that arrived meanwhile follow it (less those the replay already had). A first heartbeat tells
  // the client that the stream is open.
  write(HEARTBEAT);
  (async () => {
    const replayed = lastEventId === undefined ? [] : await missedSince(env, projectId, conditions, lastEventId);
    const replayedIds = new Set(replayed.map((entry) => entry.id));
    send(replayed);
    send(buffered.filter((entry) => !replayedIds.has(entry.id)));
    buffered = [];
    live = true;
  })().catch((err) => {
    log.error('tail_replay_failed', { projectId, error: err });
    close();
  });
  return readable;
}
