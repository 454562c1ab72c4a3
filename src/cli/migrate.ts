import { loadConfig } from '../config.ts';
import { ensureDatabaseFile } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { parseDatabaseUrl } from '../db/url.ts';
import type { CliIo } from './io.ts';

/** `uptop migrate`: creates the database file if needed and applies the pending migrations, as the server would at start. */
export function migrateCommand(io: CliIo, env: NodeJS.ProcessEnv = process.env): void {
  const target = parseDatabaseUrl(loadConfig(env).databaseUrl);
  ensureDatabaseFile(target);
  const applied = migrate(target);
  io.stdout.write(applied.length ? `applied ${applied.length} migration(s) to ${target.file}: ${applied.join(', ')}\n` : `${target.file} is up to date\n`);
}
