import { defineConfig } from 'vitest/config';

// The browser tests (npm run test:browser): Chromium runs the bundles, so they run once, not per Node backend.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
