import { defineConfig } from 'vitest/config';

// The @loglane/client suites, in Node: behaviour against a local stub server (client/test/*.test.ts)
// and the client's types (client/test/*.test-d.ts, checked by tsc, never run).
export default defineConfig({
  test: {
    include: ['client/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    typecheck: {
      enabled: true,
      include: ['client/test/**/*.test-d.ts'],
      tsconfig: './client/test/tsconfig.json',
    },
  },
});
