import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // 2 cores: a few files at once; each file has its own database and Redis prefix.
    maxWorkers: 2,
    minWorkers: 1,
    pool: 'forks',
  },
});
