import type { RouteHandler } from '@hono/zod-openapi';
import { success } from '../../lib/envelope';
import { currentPrincipal } from '../../middleware/auth';
import { ingestLogs as ingest } from '../../services/log-ingest';
import { queryLogs as query } from '../../services/log-query';
import type { AppEnv } from '../../types';
import type { ingestLogsRoute, queryLogsRoute } from './index';

export const ingestLogs: RouteHandler<typeof ingestLogsRoute, AppEnv> = async (c) => {
  const principal = currentPrincipal(c);
  if (principal.kind !== 'apiKey') throw new Error('ingest runs behind requireApiKey');
  return c.json(success(await ingest(c.env, principal.projectId, c.req.valid('json'))), 202);
};

export const queryLogs: RouteHandler<typeof queryLogsRoute, AppEnv> = async (c) => {
  const { page, nextCursor } = await query(c.env, currentPrincipal(c), c.req.valid('query'));
  return c.json(success(page, nextCursor ? { nextCursor } : undefined), 200);
};
