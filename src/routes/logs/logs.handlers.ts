import type { Context } from 'hono';
import { zId } from '../../../generated/zod/zod.gen';
import { success } from '../../lib/envelope';
import { ApiError } from '../../lib/errors';
import type { RouteHandler } from '../../lib/openapi-runtime';
import { currentPrincipal } from '../../middleware/auth';
import { logSenderOf } from '../../middleware/rate-limit';
import { type IngestBody, ingestLogs as ingest } from '../../services/log-ingest';
import { queryLogs as query } from '../../services/log-query';
import { openTail } from '../../services/log-tail';
import { exportOtlpLogs as exportOtlp, type OtlpExportRequest } from '../../services/otlp-logs';
import { encodeExportResponse } from '../../services/otlp-protobuf';
import type { AppEnv } from '../../types';
import type { exportOtlpLogsRoute, ingestLogsRoute, queryLogsRoute, tailLogsRoute } from './logs.routes';

const ingestingProject = (c: Context<AppEnv>) => {
  const principal = currentPrincipal(c);
  if (principal.kind !== 'apiKey') throw new Error('ingest runs behind requireApiKey');
  return principal.projectId;
};

export const ingestLogs: RouteHandler<typeof ingestLogsRoute, AppEnv> = async (c) => {
  const key = c.req.valid('header')['Idempotency-Key'];
  const idempotency = key === undefined ? undefined : { key, bodySha256: c.get('bodyDigest')! };
  // Always the JSON body: decodeIngestBody has turned NDJSON into it before validation.
  const body = c.req.valid('json') as IngestBody;
  return c.json(success(await ingest(c.env, logSenderOf(c), ingestingProject(c), body, idempotency)), 202);
};

/** Answers in the request's encoding, as OTLP/HTTP requires: protobuf to a protobuf request. */
export const exportOtlpLogs: RouteHandler<typeof exportOtlpLogsRoute, AppEnv> = async (c) => {
  // Always the OTLP/JSON body: decodeOtlpBody has turned protobuf into it before validation.
  const answer = await exportOtlp(logSenderOf(c), ingestingProject(c), c.req.valid('json') as OtlpExportRequest);
  if (!c.get('translatedBody')) return c.json(answer, 200);
  // The route's typed answers know only the JSON encoding; the contract (and the drift check) declares both.
  return c.body(encodeExportResponse(answer), 200, { 'Content-Type': 'application/x-protobuf' }) as never;
};

export const queryLogs: RouteHandler<typeof queryLogsRoute, AppEnv> = async (c) => {
  const { page, nextCursor } = await query(c.env, currentPrincipal(c), c.req.valid('query'));
  return c.json(success(page, nextCursor ? { nextCursor } : undefined), 200);
};

/** When a project's tails are all taken, a few seconds is a fair wait: tails close as clients leave. */
const TAIL_RETRY_AFTER_SECONDS = 5;

export const tailLogs: RouteHandler<typeof tailLogsRoute, AppEnv> = async (c) => {
  // Checked here: the header validator sees names lowercased, while the contract spells it Last-Event-ID.
  const header = c.req.header('Last-Event-ID');
  const lastEventId = header === undefined ? undefined : zId.safeParse(header);
  if (lastEventId?.success === false)
    throw ApiError.of('invalidInput', [{ field: 'Last-Event-ID', issue: 'Not an event id of this stream' }]);
  const stream = await openTail(c.env, currentPrincipal(c), c.req.valid('query'), lastEventId?.data);
  if (!stream) {
    c.header('Retry-After', String(TAIL_RETRY_AFTER_SECONDS));
    throw ApiError.of('tooManyTails');
  }
  return c.body(stream, 200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
};
