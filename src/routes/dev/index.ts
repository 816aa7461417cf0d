import { createRouter } from '../../lib/operation';

// /v1/dev/*: development-only helpers (ENVIRONMENT=development).
export const devRoutes = createRouter();
