import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The GraphQL suite again, each test's app on a PostgreSQL database of its own instead of a SQLite file
// (test/setup/postgres-setup.ts starts the cluster; test/helpers/db.ts picks the store). `npm test` runs it after the
// main run, so CI covers both stores. Spread rather than mergeConfig, which would append to `include`.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/graphql/**/*.test.ts'],
    globalSetup: [...[base.test?.globalSetup ?? []].flat(), 'test/setup/postgres-setup.ts'],
  },
});
