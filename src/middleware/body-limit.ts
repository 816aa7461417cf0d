import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../lib/errors';

const KiB = 1024;
const MiB = 1024 * KiB;
const DEFAULT_LIMIT = 64 * KiB;
/** Ingest bodies, as sent and again once decompressed: 1,000 entries of 8 KiB messages and 4 KiB attributes fit. */
export const INGEST_BODY_LIMIT = 16 * MiB;
/** Ingest takes batches of up to 1,000 entries; everything else is small JSON. */
const LIMIT_BY_PATH: Record<string, number> = { '/v1/logs': INGEST_BODY_LIMIT, '/v1/otlp/v1/logs': INGEST_BODY_LIMIT };

const inUnits = (bytes: number) => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`);

/** 400 VALIDATION_ERROR naming the limit that was passed. */
export const bodyTooLarge = (limit: number, decompressed = false) =>
  ApiError.of('bodyTooLarge', [
    { field: 'body', issue: `Too big: at most ${limit} bytes (${inUnits(limit)})${decompressed ? ' once decompressed' : ''}` },
  ]);

const limiterFor = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw bodyTooLarge(maxSize);
    },
  });
const defaultLimiter = limiterFor(DEFAULT_LIMIT);
const pathLimiters = new Map(Object.entries(LIMIT_BY_PATH).map(([path, size]) => [path, limiterFor(size)]));

/** Refuses over-large bodies before anything parses them (Content-Length first, then while streaming). */
export const limitBodySize: MiddlewareHandler = (c, next) => (pathLimiters.get(c.req.path) ?? defaultLimiter)(c, next);
