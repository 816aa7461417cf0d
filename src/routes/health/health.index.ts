import { createRouter } from '../../lib/operation';
import { getHealth } from './health.handlers';
import { getHealthRoute } from './health.routes';

export const healthRoutes = createRouter().openapi(getHealthRoute, getHealth);
