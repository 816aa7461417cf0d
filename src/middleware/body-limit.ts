import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../lib/errors';

const KiB = 1024;
const DEFAULT_LIMIT = 64 * KiB;
/** Ingest takes batches of up to 1,000 entries; everything else is small JSON. */
const LIMIT_BY_PATH: Record<string, number> = { '/v1/logs': 1024 * KiB };

const limiterFor = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw ApiError.of('bodyTooLarge');
    },
  });
const defaultLimiter = limiterFor(DEFAULT_LIMIT);
const pathLimiters = new Map(Object.entries(LIMIT_BY_PATH).map(([path, size]) => [path, limiterFor(size)]));

/** Refuses over-large bodies before anything parses them (Content-Length first, then while streaming). */
export const limitBodySize: MiddlewareHandler = (c, next) => (pathLimiters.get(c.req.path) ?? defaultLimiter)(c, next);
