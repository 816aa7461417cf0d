import { defineConfig } from 'vitest/config';

// The @loglane/client suites, in Node: behaviour against a local stub server (test/client/*.test.ts)
// and the client's types (test/client/*.test-d.ts, checked by tsc, never run).
export default defineConfig({
  test: {
    include: ['test/client/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    typecheck: {
      enabled: true,
      include: ['test/client/**/*.test-d.ts'],
      tsconfig: './test/client/tsconfig.json',
    },
  },
});
