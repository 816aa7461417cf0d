import { createApp } from './app';
import { consumeLogBatch } from './queue/consumer';
import { deleteExpiredIdempotencyKeys } from './repositories/ingest-idempotency';
import { archiveExpired } from './retention/archive';
import { consumePurgeBatch, resumePurges } from './retention/purge';

export { RateLimiter } from './rate-limit/rate-limiter';
export { LogTail } from './tail/log-tail';

const app = createApp();

/** The queue whose deliveries purge deleted projects (wrangler.jsonc); every other queue carries log entries. */
const PURGE_QUEUE_NAME = 'loglane-purge';

export default {
  fetch: app.fetch,
  // LOG_QUEUE deliveries: store in the log shards, then the KV fast path. PURGE_QUEUE: deleted projects' data.
  queue: (batch, env) => (batch.queue === PURGE_QUEUE_NAME ? consumePurgeBatch(batch, env) : consumeLogBatch(batch, env)),
  // The daily cron: move blocks past their project's retention to R2, schedule again any purge of a
  // deleted project that has not finished, and forget Idempotency-Keys past their 24 hours. Each
  // runs whatever the others do; the run fails (and shows in the cron's status) if any did.
  scheduled: async (controller, env) => {
    const outcomes = await Promise.allSettled([
      archiveExpired(env, controller.scheduledTime),
      resumePurges(env),
      deleteExpiredIdempotencyKeys(env.DB, controller.scheduledTime),
    ]);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  },
} satisfies ExportedHandler<Env>;
