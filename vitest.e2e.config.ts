import { defineConfig } from 'vitest/config';

// End-to-end tests: the review app in Debian's Chromium (scripts/e2eTests.sh installs it when it can).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    // The browser shares 2 cores with everything else on CI machines: polls wait up to 10 s, not 1.
    expect: { poll: { timeout: 10_000 } },
  },
});
