import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/e2e/**'],
    testTimeout: 60_000,
    pool: 'forks',
    // The servers these tests start serve the build as it is: `serve` would otherwise build a stale one first, and
    // sources change between builds while developing (the end-to-end tests build it once, in their setup).
    env: { SIMPLEPOSE_NO_BUILD: '1' },
  },
});
