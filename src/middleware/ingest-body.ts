// The ingest routes' body: gzip or plain, JSON or NDJSON, at most 16 MiB as sent and as decompressed.
// Runs after the API-key guard (no body is read for a refused caller) and before validation, which
// then sees a plain JSON request: an NDJSON body becomes `{ "entries": [...] }`.
import type { MiddlewareHandler } from 'hono';
import { sha256Hex } from '../lib/crypto';
import { ApiError } from '../lib/errors';
import type { AppEnv } from '../types';
import { bodyTooLarge, INGEST_BODY_LIMIT } from './body-limit';

const NDJSON = /^application\/x-ndjson(;.*)?$/i;
const JSON_TYPE = /^application\/([a-z-.]+\+)?json(;.*)?$/i;

/** The body's text, decompressed as it streams; refused the moment it passes the limit. */
async function readText(body: ReadableStream<Uint8Array>, encoding: string): Promise<string> {
  const stream = encoding === 'gzip' ? body.pipeThrough(new DecompressionStream('gzip')) : body;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > INGEST_BODY_LIMIT) throw bodyTooLarge(INGEST_BODY_LIMIT, encoding === 'gzip');
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    if (error instanceof ApiError) throw error;
    // DecompressionStream rejects truncated or corrupt input; the plain stream only fails on size (above)
    throw ApiError.of('malformedGzip');
  }
  const decoder = new TextDecoder();
  return chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join('') + decoder.decode();
}

/** NDJSON as the JSON batch it means; each line must be one JSON value (blank lines are skipped). */
function ndjsonAsBatch(text: string): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  lines.forEach((line, index) => {
    try {
      JSON.parse(line);
    } catch {
      throw ApiError.of('malformedJson', [{ field: `entries.${index}`, issue: 'Not a JSON value on one line' }]);
    }
  });
  // Each line parsed as exactly one value, so joining them cannot change the structure.
  return `{"entries":[${lines.join(',')}]}`;
}

/**
 * Decodes the body for validation and, when the request carries an Idempotency-Key, records the
 * SHA-256 of the decompressed body as `bodyDigest`. Requests of other media types pass untouched
 * (validation answers them 415).
 */
export const decodeIngestBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const raw = c.req.raw;
  const contentType = c.req.header('content-type');
  // The body is required: none at all, or bytes of no declared type, is refused here (an all-optional
  // schema such as OTLP's would otherwise validate the empty object the validator substitutes).
  if (!raw.body || contentType === undefined) throw ApiError.of('unsupportedMediaType');
  const ndjson = NDJSON.test(contentType);
  if (!(ndjson || JSON_TYPE.test(contentType))) return next();
  const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'gzip' && encoding !== 'identity') throw ApiError.of('unsupportedContentEncoding');

  const text = await readText(raw.body, encoding);
  if (c.req.header('idempotency-key') !== undefined) c.set('bodyDigest', await sha256Hex(text));
  const headers = new Headers(raw.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  if (ndjson) headers.set('content-type', 'application/json');
  c.req.raw = new Request(raw.url, { method: raw.method, headers });
  // Where HonoRequest keeps a body already read (as a promise, whatever its type says); json() reads it.
  (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(ndjson ? ndjsonAsBatch(text) : text);
  await next();
};
