import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../types';

const allowedOrigin = (origin: string, env: Env) => (env.CORS_ORIGINS.split(',').includes(origin) ? origin : null);
const EXPOSED_HEADERS = ['X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'];

const preflight = cors({
  origin: (origin, c) => allowedOrigin(origin, c.env),
  allowHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-Id'],
  exposeHeaders: EXPOSED_HEADERS,
  maxAge: 600,
});
const exposed = EXPOSED_HEADERS.join(',');

/**
 * CORS for the configured origins: preflights are Hono's `cors`; other requests get the same
 * headers as Hono's would set, but before the route through `c.header`. (Hono's `cors` writes them
 * to `c.res` before the route, which makes Hono build every response three times instead of once.)
 */
export const crossOrigin: MiddlewareHandler<AppEnv> = (c, next) => {
  if (c.req.method === 'OPTIONS') return preflight(c, next);
  const origin = allowedOrigin(c.req.header('Origin') ?? '', c.env);
  if (origin) c.header('Access-Control-Allow-Origin', origin);
  c.header('Access-Control-Expose-Headers', exposed);
  c.header('Vary', 'Origin');
  return next();
};
