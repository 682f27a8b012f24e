import { defineConfig } from 'vitest/config';

// The packaging test (npm run test:package): packs and installs the package, so it runs once, not per backend.
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 120_000,
  },
});
