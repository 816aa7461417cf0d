// The ingest routes' body: gzip or plain, JSON or NDJSON (POST /v1/logs) or protobuf (the OTLP
// export), at most 16 MiB as sent and as decompressed. Runs after the API-key guard (no body is read
// for a refused caller) and before validation, which then sees a plain JSON request: an NDJSON body
// becomes `{ "entries": [...] }`, an OTLP protobuf body its OTLP/JSON form.
import type { MiddlewareHandler } from 'hono';
import { sha256Hex } from '../lib/crypto';
import { ApiError } from '../lib/errors';
import { otlpProtobufAsJson } from '../services/otlp-protobuf';
import type { AppEnv } from '../types';
import { bodyTooLarge, INGEST_BODY_LIMIT } from './body-limit';

const JSON_TYPE = /^application\/([a-z-.]+\+)?json(;.*)?$/i;
const decoder = new TextDecoder();

/**
 * The body's bytes: as sent (limitBodySize has already held them to the limit), or decompressed as
 * they stream, refused the moment they pass the limit.
 */
async function readBytes(request: Request, encoding: 'gzip' | 'identity'): Promise<Uint8Array> {
  if (encoding === 'identity') return new Uint8Array(await request.arrayBuffer());
  const reader = request.body!.pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > INGEST_BODY_LIMIT) throw bodyTooLarge(INGEST_BODY_LIMIT, true);
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    if (error instanceof ApiError) throw error;
    // DecompressionStream rejects truncated or corrupt input
    throw ApiError.of('malformedGzip');
  }
  return chunks.length === 1 ? chunks[0] : new Uint8Array(await new Blob(chunks).arrayBuffer());
}

/** NDJSON as the JSON batch it means; each line must be one JSON value (blank lines are skipped). */
function ndjsonAsBatch(bytes: Uint8Array): string {
  const text = decoder.decode(bytes);
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

/** A media type a route takes besides JSON, and how its body becomes the JSON it is validated as. */
type Translation = { mediaType: RegExp; asJson: (bytes: Uint8Array) => string };

/**
 * Decodes the body for validation and, when the request carries an Idempotency-Key, records the
 * SHA-256 of the decompressed body as `bodyDigest`; a translated body is marked `translatedBody`.
 * Requests of other media types pass untouched (validation answers them 415).
 */
const decodeBody =
  (translation: Translation): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const raw = c.req.raw;
    const contentType = c.req.header('content-type');
    // The body is required: none at all, or bytes of no declared type, is refused here (an all-optional
    // schema such as OTLP's would otherwise validate the empty object the validator substitutes).
    if (!raw.body || contentType === undefined) throw ApiError.of('unsupportedMediaType');
    const translated = translation.mediaType.test(contentType);
    if (!(translated || JSON_TYPE.test(contentType))) return next();
    const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
    if (encoding !== 'gzip' && encoding !== 'identity') throw ApiError.of('unsupportedContentEncoding');

    const bytes = await readBytes(raw, encoding);
    if (c.req.header('idempotency-key') !== undefined) c.set('bodyDigest', await sha256Hex(bytes));
    if (translated || encoding === 'gzip') {
      // Validation sees the plain JSON it is given, not the type and encoding that came in (a plain
      // JSON body, the common case, keeps its request as it is).
      const headers = new Headers(raw.headers);
      headers.delete('content-encoding');
      headers.delete('content-length');
      if (translated) {
        headers.set('content-type', 'application/json');
        c.set('translatedBody', true);
      }
      c.req.raw = new Request(raw.url, { method: raw.method, headers });
    }
    // Where HonoRequest keeps a body already read (as a promise, whatever its type says); json() reads it.
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(translated ? translation.asJson(bytes) : decoder.decode(bytes));
    await next();
  };

/** POST /v1/logs: JSON or NDJSON. */
export const decodeIngestBody = decodeBody({ mediaType: /^application\/x-ndjson(;.*)?$/i, asJson: ndjsonAsBatch });

/** POST /v1/otlp/v1/logs: OTLP/HTTP JSON or protobuf. */
export const decodeOtlpBody = decodeBody({ mediaType: /^application\/x-protobuf(;.*)?$/i, asJson: otlpProtobufAsJson });
