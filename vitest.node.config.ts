import { defineConfig } from 'vitest/config';

// Tests of the build tooling itself (lint rules, staleness and drift checks); they run in Node.
export default defineConfig({
  test: {
    include: ['test/node/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
