import { createApp } from './app';
import { consumeLogBatch } from './queue/consumer';
import { archiveExpired } from './retention/archive';
import { consumePurgeBatch, resumePurges } from './retention/purge';
export { RateLimiter } from './rate-limit/rate-limiter';

const app = createApp();

/** The queue whose deliveries purge deleted projects (wrangler.jsonc); every other queue carries log entries. */
const PURGE_QUEUE_NAME = 'loglane-purge';

export default {
  fetch: app.fetch,
  // LOG_QUEUE deliveries: store in the log shards, then the KV fast path. PURGE_QUEUE: deleted projects' data.
  queue: (batch, env) => (batch.queue === PURGE_QUEUE_NAME ? consumePurgeBatch(batch, env) : consumeLogBatch(batch, env)),
  // The daily cron: move blocks past their project's retention to R2, and schedule again any purge
  // of a deleted project that has not finished. Each runs whatever the other does; the run fails
  // (and shows in the cron's status) if either did.
  scheduled: async (controller, env) => {
    const outcomes = await Promise.allSettled([archiveExpired(env, controller.scheduledTime), resumePurges(env)]);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  },
} satisfies ExportedHandler<Env>;
