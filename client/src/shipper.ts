// createLogShipper: logs from an application to POST /v1/logs the way log shippers do. Entries are
// buffered and sent in gzipped batches (by count, bytes or interval), one batch at a time so order
// is kept; each batch has its own Idempotency-Key, so retrying a batch whose answer was lost never
// stores it twice. Nothing here throws into the application: failures end up in stats() and onError.
import type { LogEntryInput, LogLevel } from '../../generated/client/types.gen.ts';
import { retryAfterSeconds } from './core.ts';

type LogAttributes = NonNullable<LogEntryInput['attributes']>;

export interface LogShipperOptions {
  baseUrl: string;
  /** A project API key with `logs:write`. */
  apiKey: string;
  /** Set on every entry that does not name its own. */
  service?: string;
  /** Send a batch once it holds this many entries (default 500, at most 1,000). */
  maxBatchEntries?: number;
  /** …or this many bytes of JSON before compression (default 1 MiB). */
  maxBatchBytes?: number;
  /** …or when its oldest entry has waited this long (default 1,000 ms). */
  flushIntervalMs?: number;
  /** Entries held at most, in flight included (default 10,000). When full, new entries are dropped. */
  maxBufferEntries?: number;
  /** Attempts after the first for network errors, 5xx and 429 (default 8); then the batch is given up. */
  maxRetries?: number;
  /** Back-off: base × 2^attempt with full jitter, at most maxDelayMs (defaults 250 ms and 30 s); Retry-After wins. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Gzip the batches (default true). */
  gzip?: boolean;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Told about every batch given up (and why). Errors it throws are ignored. */
  onError?: (error: Error) => void;
}

export interface LogShipperStats {
  /** Entries waiting or in flight. */
  buffered: number;
  /** Entries the API accepted. */
  sent: number;
  /** Entries refused at log(): buffer full, shipper closed, or not an entry the API would take. */
  dropped: number;
  /** Entries of batches given up (refused by the API, or out of retries). */
  failed: number;
  /** Batches sent successfully. */
  batches: number;
  /** Retried attempts. */
  retries: number;
}

export interface LogShipper {
  log(
    level: LogLevel,
    message: string,
    attributes?: Record<string, unknown>,
    options?: { timestamp?: Date | string | number; service?: string },
  ): void;
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
  fatal(message: string, attributes?: Record<string, unknown>): void;
  /** Sends everything buffered; resolves when it has been accepted or given up. Never rejects. */
  flush(): Promise<void>;
  /** Stops taking entries, flushes and resolves when done. Never rejects. */
  close(): Promise<void>;
  stats(): LogShipperStats;
}

/** The contract's limits on one entry (see LogEntryInput). */
const ENTRY_LIMITS = { messageBytes: 8192, attributeKeys: 32, attributeKeyLength: 64, attributesBytes: 4096 } as const;
const encoder = new TextEncoder();

type Buffered = { entry: LogEntryInput; bytes: number };

/** What an attribute value may be: scalars as they are, anything else as its JSON text. */
function attributesOf(attributes: Record<string, unknown> | undefined): LogAttributes | undefined {
  if (!attributes) return undefined;
  const out: LogAttributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    out[key] =
      typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
        ? value
        : (JSON.stringify(value) ?? String(value));
  }
  return out;
}

/** Whether the API would take the entry (so that one bad entry cannot sink a whole batch). */
function acceptable({ message, attributes = {} }: LogEntryInput): boolean {
  const keys = Object.keys(attributes);
  return (
    message.length > 0 &&
    encoder.encode(message).byteLength <= ENTRY_LIMITS.messageBytes &&
    keys.length <= ENTRY_LIMITS.attributeKeys &&
    keys.every((key) => key.length > 0 && key.length <= ENTRY_LIMITS.attributeKeyLength) &&
    encoder.encode(JSON.stringify(attributes)).byteLength <= ENTRY_LIMITS.attributesBytes
  );
}

const timestampOf = (time: Date | string | number | undefined) => new Date(time ?? Date.now()).toISOString();

async function gzipped(text: string): Promise<ArrayBuffer> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createLogShipper(options: LogShipperOptions): LogShipper {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/v1/logs`;
  const maxBatchEntries = Math.min(options.maxBatchEntries ?? 500, 1000);
  const maxBatchBytes = options.maxBatchBytes ?? 1024 * 1024;
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  const maxBufferEntries = options.maxBufferEntries ?? 10_000;
  const maxRetries = options.maxRetries ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const fetchImpl = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));

  const waiting: Buffered[] = [];
  let inFlight = 0;
  let waitingBytes = 0;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // One drain at a time: batches leave in the order their entries were logged.
  let draining: Promise<void> = Promise.resolve();
  let drainQueued = false;
  const counts = { sent: 0, dropped: 0, failed: 0, batches: 0, retries: 0 };

  const report = (error: Error) => {
    try {
      options.onError?.(error);
    } catch {
      // the application's handler must not break shipping
    }
  };

  const batchReady = () => waiting.length >= maxBatchEntries || waitingBytes >= maxBatchBytes;

  function takeBatch(): LogEntryInput[] {
    const batch: LogEntryInput[] = [];
    let bytes = 0;
    while (waiting.length && batch.length < maxBatchEntries && (batch.length === 0 || bytes + waiting[0].bytes <= maxBatchBytes)) {
      const next = waiting.shift()!;
      bytes += next.bytes;
      waitingBytes -= next.bytes;
      batch.push(next.entry);
    }
    inFlight += batch.length;
    return batch;
  }

  /** Sends one batch until it is accepted, refused, or out of retries. */
  async function deliver(batch: LogEntryInput[]): Promise<void> {
    const json = JSON.stringify({ entries: batch });
    const gzip = options.gzip ?? true;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${options.apiKey}`,
      'Content-Type': 'application/json',
      'Idempotency-Key': crypto.randomUUID(),
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    };
    const body = gzip ? await gzipped(json) : json;
    let problem = '';
    for (let attempt = 0; attempt <= maxRetries; attempt += 1) {
      if (attempt > 0) counts.retries += 1;
      let retryAfterMs: number | undefined;
      try {
        const response = await fetchImpl(url, { method: 'POST', headers, body });
        await response.arrayBuffer().catch(() => undefined);
        if (response.status === 202) {
          counts.sent += batch.length;
          counts.batches += 1;
          return;
        }
        problem = `POST /v1/logs answered ${response.status}`;
        if (response.status !== 429 && response.status < 500) break; // the batch itself was refused: retrying cannot help
        const seconds = retryAfterSeconds(response.headers);
        if (seconds !== undefined) retryAfterMs = seconds * 1000;
      } catch (cause) {
        problem = `POST /v1/logs got no response: ${cause instanceof Error ? cause.message : String(cause)}`;
      }
      if (attempt < maxRetries) await sleep(retryAfterMs ?? Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
    }
    counts.failed += batch.length;
    report(new Error(`${batch.length} log entries given up: ${problem}`));
  }

  async function drain(all: boolean): Promise<void> {
    drainQueued = false;
    while (waiting.length && (all || batchReady())) {
      const batch = takeBatch();
      try {
        await deliver(batch);
      } catch (error) {
        counts.failed += batch.length;
        report(error instanceof Error ? error : new Error(String(error)));
      } finally {
        inFlight -= batch.length;
      }
    }
    if (waiting.length && !timer) startTimer();
  }

  function scheduleDrain(all: boolean): Promise<void> {
    if (all) {
      clearTimeout(timer);
      timer = undefined;
    } else if (drainQueued) {
      return draining;
    }
    drainQueued = !all;
    draining = draining.then(() => drain(all));
    return draining;
  }

  function startTimer() {
    timer = setTimeout(() => {
      timer = undefined;
      void scheduleDrain(true);
    }, flushIntervalMs);
    // A pending flush must not keep a Node process alive; close() is how to wait for it.
    (timer as { unref?: () => void }).unref?.();
  }

  function log(
    level: LogLevel,
    message: string,
    attributes?: Record<string, unknown>,
    extra: { timestamp?: Date | string | number; service?: string } = {},
  ): void {
    try {
      const service = extra.service ?? options.service;
      const entry: LogEntryInput = { level, message: String(message), timestamp: timestampOf(extra.timestamp) };
      if (service) entry.service = service;
      const attrs = attributesOf(attributes);
      if (attrs && Object.keys(attrs).length) entry.attributes = attrs;
      const bytes = encoder.encode(JSON.stringify(entry)).byteLength + 1;
      // Drop policy: when the buffer is full the newest entry is dropped (what is buffered keeps its order).
      if (closed || !acceptable(entry) || waiting.length + inFlight >= maxBufferEntries) {
        counts.dropped += 1;
        return;
      }
      waiting.push({ entry, bytes });
      waitingBytes += bytes;
      if (batchReady()) void scheduleDrain(false);
      else if (!timer) startTimer();
    } catch {
      counts.dropped += 1; // an invalid timestamp, an attribute that cannot be serialised
    }
  }

  return {
    log,
    debug: (message, attributes) => log('debug', message, attributes),
    info: (message, attributes) => log('info', message, attributes),
    warn: (message, attributes) => log('warn', message, attributes),
    error: (message, attributes) => log('error', message, attributes),
    fatal: (message, attributes) => log('fatal', message, attributes),
    flush: () => scheduleDrain(true),
    close: () => {
      closed = true;
      return scheduleDrain(true);
    },
    stats: () => ({ buffered: waiting.length + inFlight, ...counts }),
  };
}
