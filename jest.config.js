/**
 * Two projects on one PostgreSQL: `fast` is everything that runs inside the jest worker, `slow`
 * the tests of process and cluster lifecycle (they spawn the compiled entry point or the
 * embedded PostgreSQL, restart or cut the database, or wait for a consumer to fall behind).
 * `npm run test:fast` runs the first alone; `npm test` runs both.
 */
const SLOW = ['<rootDir>/test/e2e/ops/', '<rootDir>/test/e2e/live/slow-consumer.test.ts'];

/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  setupFiles: ['reflect-metadata'],
  // One PostgreSQL for the run (embedded unless DATABASE_URL is set); each test file then
  // copies a migrated, seeded template into a database of its own. Both projects name the same
  // modules, so jest runs them once for the whole run.
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  projects: [
    {
      ...shared,
      displayName: 'fast',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...SLOW],
    },
    {
      ...shared,
      displayName: 'slow',
      testMatch: SLOW.map((path) => (path.endsWith('/') ? `${path}**/*.test.ts` : path)),
    },
  ],
};
