import { createRouter } from '../../lib/operation';

// /v1/logs: ingestion and queries.
export const logRoutes = createRouter();
