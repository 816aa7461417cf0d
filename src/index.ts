import { createApp } from './app';
import { consumeLogBatch } from './queue/consumer';
import { deleteExpiredIdempotencyKeys } from './repositories/ingest-idempotency';
import { archiveExpired } from './retention/archive';
import { purgeArchivesOfDeletedProjects } from './retention/purge';
export { RateLimiter } from './rate-limit/rate-limiter';

const app = createApp();

export default {
  fetch: app.fetch,
  // LOG_QUEUE deliveries: store in D1, then the KV fast path.
  queue: (batch, env) => consumeLogBatch(batch, env),
  // The daily cron: move entries past their project's retention to R2, delete the archives of
  // deleted projects, and forget Idempotency-Keys past their 24 hours. Each runs whatever the
  // others do; the run fails (and shows in the cron's status) if any did.
  scheduled: async (controller, env) => {
    const outcomes = await Promise.allSettled([
      archiveExpired(env, controller.scheduledTime),
      purgeArchivesOfDeletedProjects(env),
      deleteExpiredIdempotencyKeys(env.DB, controller.scheduledTime),
    ]);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  },
} satisfies ExportedHandler<Env>;

