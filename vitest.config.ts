import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Browser tests sign in, load pages and wait for live updates; with the suite sharing 2 cores one took over 30 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a condition (a console that has reloaded and reconnected, a list that refreshed); its
    // default 1 s is shorter than a page load takes when the whole suite shares 2 cores, and it only ever ends early.
    expect: { poll: { timeout: 10_000 } },
    // 2 cores: a few files at once; each file has its own database and Redis prefix.
    maxWorkers: 2,
    minWorkers: 1,
    pool: 'forks',
  },
});
