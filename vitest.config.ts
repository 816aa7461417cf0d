import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { configDefaults, defineConfig } from 'vitest/config';
import { readErrorCodesSeed } from './test/support/error-codes-seed.ts';
import { FAKE_PROVIDER_BINDINGS, fakeProviders } from './test/support/fake-providers.ts';

// Tests run inside workerd with the Worker's real bindings (local D1, KV, Queues, R2, Durable Objects).
export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      main: './src/index.ts',
      // env.development: the production-safe top level is never what tests run.
      wrangler: { configPath: './wrangler.jsonc', environment: 'development' },
      miniflare: {
        bindings: {
          // development mounts the outbox the tests read mail from; responses are contract-checked.
          ENVIRONMENT: 'development',
          // Generous limits so that suites are not throttled; the rate-limit tests set their own.
          RATE_LIMIT_AUTH_PER_MINUTE: '100000',
          RATE_LIMIT_API_PER_MINUTE: '100000',
          RATE_LIMIT_INGEST_PER_MINUTE: '100000',
          // A live tail's heartbeat every second, so that its test need not wait 15.
          TAIL_HEARTBEAT_SECONDS: '1',
          RATE_LIMIT_EMAIL_PER_MINUTE: '100000',
          JWT_SECRET: 'test-only-secret-0123456789abcdef0123456789abcdef',
          TEST_MIGRATIONS: await readD1Migrations('./migrations/control'),
          TEST_LOG_MIGRATIONS: await readD1Migrations('./migrations/logs'),
          TEST_ERROR_CODES_SEED: readErrorCodesSeed(fileURLToPath(new URL('.', import.meta.url))),
          ...FAKE_PROVIDER_BINDINGS,
        },
        // Every outbound fetch of the Worker goes to a fake GitHub, Google and mail API (test/support/fake-providers.ts).
        outboundService: fakeProviders,
      },
    }),
  ],
  // The runtime the Worker ships (wrangler.jsonc "alias"): tests run exactly what deploys.
  resolve: { alias: { '@hono/zod-openapi': fileURLToPath(new URL('./src/lib/openapi-runtime.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    // test/node runs in Node (vitest.node.config.ts), as do the client's tests in client/test (vitest.client.config.ts).
    exclude: [...configDefaults.exclude, 'test/node/**'],
    setupFiles: ['./test/setup/apply-migrations.ts'],
    // Generous: a loaded 2-core machine can slow a workerd test several-fold; none asserts time.
    testTimeout: 30_000,
  },
}));
