import type { TestProject } from 'vitest/node';
import { storeFor } from '../../src/db/store.ts';
import { createDatabase, startPostgres } from '../helpers/postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set only under vitest.postgres.config.ts: tests' apps then run on PostgreSQL (test/helpers/db.ts). */
    postgres?: { server: string; template: string };
  }
}

/**
 * One PostgreSQL cluster for the run and one database migrated as the server migrates at start; each test's app gets
 * a copy of it (CREATE DATABASE … TEMPLATE), which is faster than migrating again.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  try {
    const template = await createDatabase(server.url);
    await storeFor(template).migrate();
    project.provide('postgres', { server: server.url, template });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return () => server.stop();
}
