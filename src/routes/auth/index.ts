import { createRouter } from '../../lib/operation';

// /v1/auth/*: registration, sessions, email flows, OAuth.
export const authRoutes = createRouter();
