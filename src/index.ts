import { createApp } from './app';
import { consumeLogBatch } from './queue/consumer';
import { archiveExpired } from './retention/archive';
export { RateLimiter } from './rate-limit/rate-limiter';

const app = createApp();

export default {
  fetch: app.fetch,
  // LOG_QUEUE deliveries: store in D1, then the KV fast path.
  queue: (batch, env) => consumeLogBatch(batch, env),
  // The daily cron: move entries past their project's retention to R2.
  scheduled: async (controller, env) => {
    await archiveExpired(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;

