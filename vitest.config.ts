import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests, and interop tests that start real MLflow / moto servers.
export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    // 2 cores: real servers and Python processes are heavy, so keep test files from piling up.
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/interop/**', 'node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
