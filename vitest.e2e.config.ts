import { defineConfig } from 'vitest/config';

// The end-to-end run (test/e2e): the typed client → Prism (validating against the bundled contract)
// → `wrangler dev`, all real processes on loopback. One file, in Node, sequential.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
