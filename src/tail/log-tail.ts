// The live tail's fan-out: one LogTail Durable Object per project (idFromName(projectId)). Each
// open GET /v1/logs/tail holds one WebSocket to it, accepted with the hibernation API, so the
// object sleeps between deliveries however many tails are open; the WebSocket's attachment keeps
// that tail's filter. The queue consumer hands each project's stored entries to publish(), which
// sends every tail the entries its filter matches.
import { DurableObject } from 'cloudflare:workers';
import { log } from '../lib/log';
import { type EntryConditions, type LogEntry, type LogMessage, matcher } from '../model/logs';
import { TAIL_FILTER_PARAM } from '../services/log-tail';

/** Open tails per project; one more is refused (429 in the envelope). */
export const MAX_TAILS_PER_PROJECT = 20;

export class LogTail extends DurableObject<Env> {
  /** Opens one tail's WebSocket (the Worker is the other end), or 429 at the per-project bound. */
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade') !== 'websocket') return new Response(null, { status: 426 });
    // No await before acceptWebSocket: the count and the accept cannot interleave with another open.
    if (this.ctx.getWebSockets().length >= MAX_TAILS_PER_PROJECT) return new Response(null, { status: 429 });
    const filter: EntryConditions = JSON.parse(new URL(request.url).searchParams.get(TAIL_FILTER_PARAM) ?? '{}');
    const [worker, object] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(object);
    object.serializeAttachment(filter);
    return new Response(null, { status: 101, webSocket: worker });
  }

  /** Sends each open tail the entries its filter matches, as one JSON array per delivery. */
  async publish(entries: LogEntry[]): Promise<void> {
    for (const socket of this.ctx.getWebSockets()) {
      const matching = entries.filter(matcher(socket.deserializeAttachment() as EntryConditions));
      if (matching.length === 0) continue;
      try {
        socket.send(JSON.stringify(matching));
      } catch {
        // Closing under us: its tail is gone, the others still get theirs.
      }
    }
  }

  /** The Worker end closed (its client went away): close ours, freeing the tail's place. */
  async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    socket.close(code === 1005 ? 1000 : code, 'tail closed');
  }
}

/**
 * Hands a consumer delivery's stored entries to each project's tails. Called after the entries are
 * stored, so a tail never shows an entry that a query could not find. A failure is logged and not
 * thrown: the entries are stored, and a tail that missed them replays them on reconnection.
 */
export async function publishStored(env: Env, messages: LogMessage[]): Promise<void> {
  const byProject = new Map<string, LogEntry[]>();
  for (const { projectId, receivedAt, entries } of messages) {
    const stored = entries.map((entry) => ({ ...entry, projectId, receivedAt }));
    byProject.set(projectId, [...(byProject.get(projectId) ?? []), ...stored]);
  }
  const outcomes = await Promise.allSettled(
    [...byProject].map(([projectId, entries]) => env.LOG_TAIL.get(env.LOG_TAIL.idFromName(projectId)).publish(entries)),
  );
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') log.error('tail_publish_failed', { error: outcome.reason });
  }
}
