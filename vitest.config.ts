import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// Vite resolves bare imports by the `module` field (graphql's index.mjs) while Node, and so every dependency
// vitest leaves to Node (yoga, graphql-ws, Pothos), loads graphql's CommonJS index.js: two copies of GraphQLError
// and GraphQLSchema. Pointing `graphql` at the file Node loads keeps one copy, as in production.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    include: ['test/**/*.test.ts'],
    // better-sqlite3 is a native addon: forks keep each file in its own process.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    globalSetup: ['test/setup/global-setup.ts'],
    // Every test process: no traffic leaves loopback, whatever a fixture names.
    setupFiles: ['test/setup/loopback-only.ts'],
  },
});
