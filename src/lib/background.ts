import type { Context } from 'hono';
import type { AppEnv } from '../types';

/**
 * Runs `task` past the response (ctx.waitUntil): the answer neither waits for it nor tells by its
 * timing what it did. A failure is logged, since no client will see it.
 */
export function afterResponse(c: Context<AppEnv>, what: string, task: Promise<unknown>) {
  const logged = task.catch((error) => console.error(JSON.stringify({ level: 'error', requestId: c.get('requestId'), message: `${what} failed`, error: String(error) })));
  try {
    c.executionCtx.waitUntil(logged);
  } catch {
    // No ExecutionContext (app.fetch in a test): the promise still settles on its own.
  }
}
