import type { RouteHandler } from '../../lib/openapi-runtime';
import { success } from '../../lib/envelope';
import type { AppEnv } from '../../types';
import type { getHealthRoute } from './health.routes';
import { CONTRACT_VERSION } from '../../lib/contract-version';

export const getHealth: RouteHandler<typeof getHealthRoute, AppEnv> = (c) =>
  c.json(success({ status: 'ok' as const, version: CONTRACT_VERSION, time: new Date().toISOString() }), 200);
