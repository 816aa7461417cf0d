import type { z } from 'zod';
import {
  zExportOtlpLogsBody,
  zExportOtlpLogsResponse,
  zIngestLogsBody,
  zIngestLogsHeaders,
  zIngestLogsResponse,
  zNdjsonEntries,
  zOtlpProtobuf,
  zQueryLogsQuery,
  zQueryLogsResponse,
  zTailLogsHeaders,
  zTailLogsQuery,
  zTailLogsResponse,
} from '../../../generated/zod/zod.gen';
import { ApiError } from '../../lib/errors';
import { defineOperation } from '../../lib/operation';
import { requireApiKey, requireUserOrApiKey } from '../../middleware/auth';
import { validationHook } from '../../middleware/errors';
import { decodeIngestBody, decodeOtlpBody } from '../../middleware/ingest-body';

// /v1/logs: ingestion (API keys) and queries (API keys or members); /v1/otlp/v1/logs: OpenTelemetry export.
const tag = 'Logs';

export const ingestLogsRoute = defineOperation({
  method: 'post',
  path: '/v1/logs',
  operationId: 'ingestLogs',
  tag,
  security: [{ ApiKeyBearer: ['logs:write'] }, { ApiKeyHeader: ['logs:write'] }],
  middleware: [requireApiKey('logs:write'), decodeIngestBody],
  request: {
    headers: zIngestLogsHeaders,
    // NDJSON is validated as the JSON batch decodeIngestBody turns it into
    body: {
      content: { 'application/x-ndjson': { schema: zNdjsonEntries }, 'application/json': { schema: zIngestLogsBody } },
      required: true,
    },
  },
  success: { status: 202, schema: zIngestLogsResponse },
  errors: [400, 401, 403, 409, 429, 500],
});

export const exportOtlpLogsRoute = defineOperation({
  method: 'post',
  path: '/v1/otlp/v1/logs',
  operationId: 'exportOtlpLogs',
  tag,
  security: [{ ApiKeyBearer: ['logs:write'] }, { ApiKeyHeader: ['logs:write'] }],
  middleware: [requireApiKey('logs:write'), decodeOtlpBody],
  request: {
    // protobuf is validated as the OTLP/JSON decodeOtlpBody turns it into
    body: {
      content: { 'application/json': { schema: zExportOtlpLogsBody }, 'application/x-protobuf': { schema: zOtlpProtobuf } },
      required: true,
    },
  },
  success: { status: 200, schema: zExportOtlpLogsResponse, alternatives: { 'application/x-protobuf': zOtlpProtobuf } },
  errors: [400, 401, 403, 429, 500],
});

export const queryLogsRoute = defineOperation({
  method: 'get',
  path: '/v1/logs',
  operationId: 'queryLogs',
  tag,
  security: [{ ApiKeyBearer: ['logs:read'] }, { ApiKeyHeader: ['logs:read'] }, { UserJwt: [] }],
  middleware: [requireUserOrApiKey('logs:read')],
  // Strict: a parameter the contract does not declare is refused, not silently ignored.
  request: { query: zQueryLogsQuery.strict() },
  success: { status: 200, schema: zQueryLogsResponse },
  errors: [400, 401, 403, 404, 429, 500],
});

export const tailLogsRoute = defineOperation({
  method: 'get',
  path: '/v1/logs/tail',
  operationId: 'tailLogs',
  tag,
  security: [{ ApiKeyBearer: ['logs:read'] }, { ApiKeyHeader: ['logs:read'] }, { UserJwt: [] }],
  middleware: [requireUserOrApiKey('logs:read')],
  request: { query: zTailLogsQuery.strict(), headers: zTailLogsHeaders },
  success: { status: 200, schema: zTailLogsResponse, mediaType: 'text/event-stream' },
  errors: [400, 401, 403, 404, 429, 500],
});

/** An unknown `source` has its own error (INVALID_SOURCE), reported before any other invalid input. */
export const sourceFirst = (result: { success: boolean; error?: { issues: readonly z.core.$ZodIssue[] } }): undefined => {
  if (!result.success && result.error!.issues.some((issue) => issue.path[0] === 'source')) throw ApiError.of('invalidSource');
  validationHook(result);
  return undefined;
};
