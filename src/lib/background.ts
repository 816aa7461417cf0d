import type { Context } from 'hono';
import type { AppEnv } from '../types';
import { log } from './log';

/**
 * Runs `task` past the response (ctx.waitUntil): the answer neither waits for it nor tells by its
 * timing what it did. A failure is logged, since no client will see it.
 */
export function afterResponse(c: Context<AppEnv>, what: string, task: Promise<unknown>) {
  const logged = task.catch((error) =>
    log.error('background_task_failed', { requestId: c.get('requestId'), message: `${what} failed`, error }),
  );
  try {
    c.executionCtx.waitUntil(logged);
  } catch {
    // No ExecutionContext (app.fetch in a test): the promise still settles on its own.
  }
}
