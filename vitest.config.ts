import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Run once by `npm run test:package` and `npm run test:browser` (their own configs), not on each backend.
    exclude: ['test/package/**', 'test/browser/**', '**/node_modules/**'],
    testTimeout: 60_000,
    // Runs every test file on the backend named by KINDLING_BACKEND (js by default).
    setupFiles: ['test/backend/setup.ts'],
  },
});
