import { onTestFinished } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { type Provider, storeFor } from '../../src/db/store.ts';
import { freshDbFile, type TestDatabase } from './db.ts';
import { dropDatabase, type PostgresServer, usePostgres } from './postgres.ts';

export const PROVIDERS: readonly Provider[] = ['sqlite', 'postgresql'];

/**
 * Fresh databases of either provider for the calling test file, so that one file runs its tests on both stores in the
 * main run: a SQLite file copied from the run's template, or a PostgreSQL database copied from one migrated per file,
 * on a cluster of the file's own (usePostgres starts it before the file's tests, so call this at the top level).
 * Clients are closed and the database dropped when the test ends.
 */
export function useStores(): { fresh(provider: Provider): Promise<TestDatabase>; readonly postgres: PostgresServer } {
  const pg = usePostgres();
  let template: Promise<string> | undefined;
  const migratedTemplate = async () => {
    const url = await pg.createDatabase();
    await storeFor(url).migrate();
    return url;
  };
  return {
    /** The file's PostgreSQL cluster (to take it down and up again). */
    get postgres() {
      return pg.server;
    },
    async fresh(provider) {
      if (provider === 'sqlite') return freshDbFile();
      template ??= migratedTemplate();
      const url = await pg.createDatabase({ template: await template });
      const store = storeFor(url);
      const opened: Db[] = [];
      onTestFinished(async () => {
        await Promise.all(opened.map((db) => db.$disconnect()));
        await dropDatabase(pg.server.url, url);
      });
      return {
        provider,
        url,
        // Nothing of a PostgreSQL database lives in a folder.
        dir: '',
        async open() {
          const db = await store.openWriter();
          opened.push(db);
          return db;
        },
      };
    },
  };
}
