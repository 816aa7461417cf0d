import { CONTRACT_VERSION } from '../../lib/contract-version';
import { success } from '../../lib/envelope';
import type { RouteHandler } from '../../lib/openapi-runtime';
import type { AppEnv } from '../../types';
import type { getHealthRoute } from './health.routes';

export const getHealth: RouteHandler<typeof getHealthRoute, AppEnv> = (c) =>
  c.json(success({ status: 'ok' as const, version: CONTRACT_VERSION, time: new Date().toISOString() }), 200);
