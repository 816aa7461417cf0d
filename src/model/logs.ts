// The log-entry model shared by ingest, the queue consumer, both read paths and retention.
import type { z } from 'zod';
import type { zLogEntry, zLogLevel } from '../../generated/zod/zod.gen';
import { base64url, fromBase64url } from '../lib/base64url';
import { randomId } from '../lib/crypto';

export type LogLevel = z.infer<typeof zLogLevel>;
/** An entry as the API returns it. */
export type LogEntry = z.infer<typeof zLogEntry>;
/** An entry inside a queue message or a KV bucket: the project is known from the container. */
export type QueuedEntry = Omit<LogEntry, 'projectId' | 'receivedAt'>;

/**
 * The body of one LOG_QUEUE message: some entries of one ingest request (one project). `resendable`:
 * sent under an Idempotency-Key, so a retry of the request may send the same message again.
 */
export type LogMessage = { v: 1; projectId: string; receivedAt: string; entries: QueuedEntry[]; resendable?: true };

export const isLogMessage = (body: unknown): body is LogMessage => {
  const message = body as Partial<LogMessage> | null;
  return (
    message?.v === 1 && typeof message.projectId === 'string' && typeof message.receivedAt === 'string' && Array.isArray(message.entries)
  );
};

/** The window the KV fast path serves. */
export const RECENT_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Canonical stored form of a time: `toISOString()` is fixed width, so string order is time order. */
export const canonicalTime = (rfc3339: string) => new Date(rfc3339).toISOString();

// Base62 in ASCII order, so that a fixed-width encoding sorts like the number it encodes.
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const base62 = (value: number, width: number) => {
  let out = '';
  for (let rest = value; out.length < width; rest = Math.floor(rest / 62)) out = BASE62[rest % 62] + out;
  return out;
};

/**
 * Ids for the entries of one request: `log_` + receive time (8 base62 chars of milliseconds, good
 * until the year 8000) + 10 random chars + position in the request (3 chars). Ids therefore sort
 * by receive time and keep a request's entries together and in order.
 */
export function newLogIds(count: number, receivedMs: number): string[] {
  const prefix = `log_${base62(receivedMs, 8)}${randomId('x', 10).slice(2)}`;
  return Array.from({ length: count }, (_, index) => prefix + base62(index, 3));
}

/** Newest first: by timestamp, then id. The one order of every page, from either store (reversed for `order=asc`). */
export const newestFirst = (a: { timestamp: string; id: string }, b: { timestamp: string; id: string }) =>
  a.timestamp === b.timestamp ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.timestamp < b.timestamp ? 1 : -1;

export type Order = 'asc' | 'desc';
/** The page order's comparator: newest first (desc) or oldest first (asc). */
export const inOrder = (order: Order) => (order === 'desc' ? newestFirst : (a: Cursor, b: Cursor) => newestFirst(b, a));

/** A position in the page order: the next page starts strictly after this entry (an empty id: before every entry of that millisecond). */
export type Cursor = { timestamp: string; id: string };

/** What a page asks either store for (times canonical). */
export type LogFilter = {
  projectId: string;
  levels?: LogLevel[];
  /** any of these services */
  services?: string[];
  /** every one of these attributes, values compared by their string form */
  attributes?: Record<string, string>;
  /** inclusive */
  since?: string;
  /** exclusive */
  until?: string;
  /** the message contains this text (case-insensitive) */
  text?: string;
  /** only entries after this position in the page order (keyset pagination) */
  position?: Cursor;
  order: Order;
  limit: number;
};

/** What a filter asks of each entry, whatever its position (a live tail's filter). */
export type EntryConditions = Pick<LogFilter, 'levels' | 'services' | 'attributes' | 'since' | 'until' | 'text'>;

/**
 * Whether an entry passes every condition of a filter (both stores and the live tail filter decoded
 * entries with this). What the filter needs is worked out once, then tested against each entry.
 */
export function matcher(filter: EntryConditions & Partial<Pick<LogFilter, 'position' | 'order'>>): (entry: LogEntry) => boolean {
  const levels = filter.levels?.length ? new Set(filter.levels) : undefined;
  const services = filter.services?.length ? new Set(filter.services) : undefined;
  const attributes = Object.entries(filter.attributes ?? {});
  const text = filter.text?.toLowerCase();
  const { since, until, position } = filter;
  const compare = inOrder(filter.order ?? 'desc');
  return (entry) =>
    (!levels || levels.has(entry.level)) &&
    (!services || (entry.service !== undefined && services.has(entry.service))) &&
    attributes.every(([key, value]) => Object.hasOwn(entry.attributes, key) && String(entry.attributes[key]) === value) &&
    (!since || entry.timestamp >= since) &&
    (!until || entry.timestamp < until) &&
    (text === undefined || entry.message.toLowerCase().includes(text)) &&
    (!position || compare(entry, position) > 0);
}

const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const LOG_ID = /^log_[A-Za-z0-9]{1,60}$/;

/** The opaque cursor: base64url of `timestamp|id`. */
export function encodeCursor({ timestamp, id }: Cursor): string {
  return base64url(new TextEncoder().encode(`${timestamp}|${id}`));
}

/** The cursor's position, or undefined for anything this API did not issue. */
export function decodeCursor(cursor: string): Cursor | undefined {
  let text: string;
  try {
    text = new TextDecoder().decode(fromBase64url(cursor));
  } catch {
    return undefined;
  }
  const [timestamp, id, ...rest] = text.split('|');
  if (rest.length > 0 || !CANONICAL_TIME.test(timestamp) || Number.isNaN(Date.parse(timestamp)) || (id !== '' && !LOG_ID.test(id ?? '')))
    return undefined;
  return { timestamp, id };
}
