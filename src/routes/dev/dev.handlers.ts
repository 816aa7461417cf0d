import { success } from '../../lib/envelope';
import type { RouteHandler } from '../../lib/openapi-runtime';
import { readOutbox } from '../../services/mailer';
import type { AppEnv } from '../../types';
import type { listOutboxRoute } from './dev.routes';

export const listOutbox: RouteHandler<typeof listOutboxRoute, AppEnv> = async (c) =>
  c.json(success(await readOutbox(c.env.DB, c.req.valid('query').to)), 200);
