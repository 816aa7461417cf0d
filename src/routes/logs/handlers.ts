import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { success } from '../../lib/envelope';
import { ingestLogs as ingest } from '../../services/log-ingest';
import { queryLogs as query } from '../../services/log-query';
import type { AppEnv, Principal } from '../../types';
import type { ingestLogsRoute, queryLogsRoute } from './index';

/** The caller the route's auth middleware admitted. */
function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw new Error('log routes run behind an auth middleware');
  return principal;
}

export const ingestLogs: RouteHandler<typeof ingestLogsRoute, AppEnv> = async (c) => {
  const principal = principalOf(c);
  if (principal.kind !== 'apiKey') throw new Error('ingest runs behind requireApiKey');
  return c.json(success(await ingest(c.env, principal.projectId, c.req.valid('json'))), 202);
};

export const queryLogs: RouteHandler<typeof queryLogsRoute, AppEnv> = async (c) => {
  const { page, nextCursor } = await query(c.env, principalOf(c), c.req.valid('query'));
  return c.json(success(page, nextCursor ? { nextCursor } : undefined), 200);
};
