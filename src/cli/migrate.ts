import { loadConfig } from '../config.ts';
import { databaseFailure, storeFor } from '../db/store.ts';
import type { CliIo } from './io.ts';

/** `uptop migrate`: creates the database file if needed and applies the pending migrations, as the server would at start. */
export async function migrateCommand(io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const store = storeFor(loadConfig(env).databaseUrl);
  const applied = await store.migrate().catch((err: unknown) => Promise.reject(databaseFailure(store, err)));
  io.stdout.write(
    applied.length ? `applied ${applied.length} migration(s) to ${store.location}: ${applied.join(', ')}\n` : `${store.location} is up to date\n`,
  );
}
