import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Run once by `npm run test:package` (its own config), not on each backend.
    exclude: ['test/package/**', '**/node_modules/**'],
    testTimeout: 60_000,
    // Runs every test file on the backend named by KINDLING_BACKEND (js by default).
    setupFiles: ['test/backend/setup.ts'],
  },
});
