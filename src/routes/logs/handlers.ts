import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { success } from '../../lib/envelope';
import { currentPrincipal } from '../../middleware/auth';
import { ingestLogs as ingest, type IngestBody } from '../../services/log-ingest';
import { queryLogs as query } from '../../services/log-query';
import { exportOtlpLogs as exportOtlp } from '../../services/otlp-logs';
import type { AppEnv } from '../../types';
import type { exportOtlpLogsRoute, ingestLogsRoute, queryLogsRoute } from './index';

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
  return c.json(success(await ingest(c.env, ingestingProject(c), body, idempotency)), 202);
};

export const exportOtlpLogs: RouteHandler<typeof exportOtlpLogsRoute, AppEnv> = async (c) =>
  c.json(await exportOtlp(c.env, ingestingProject(c), c.req.valid('json')), 200);

export const queryLogs: RouteHandler<typeof queryLogsRoute, AppEnv> = async (c) => {
  const { page, nextCursor } = await query(c.env, currentPrincipal(c), c.req.valid('query'));
  return c.json(success(page, nextCursor ? { nextCursor } : undefined), 200);
};
