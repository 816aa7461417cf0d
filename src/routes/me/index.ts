import { createRouter } from '../../lib/operation';

// /v1/me*: the signed-in user and their sign-in methods.
export const meRoutes = createRouter();
