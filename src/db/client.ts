import fs from 'node:fs';
import path from 'node:path';
import { PrismaClient } from '../generated/prisma/client.ts';
import { tagProvider } from './provider.ts';
import { ConnectionRecordingAdapter } from './raw-reads.ts';
import { pragmaStatements, type SqliteTarget } from './url.ts';

export type Db = PrismaClient;

/**
 * Makes sure the database file exists, with its folder: SQLite creates the file but not its folder, and it would
 * create the file world-readable. The file holds password hashes and push tokens, so a new one is owner-only (0600,
 * as the Go original did); SQLite gives the -wal and -shm files the same mode.
 */
export function ensureDatabaseFile(target: SqliteTarget): void {
  fs.mkdirSync(path.dirname(target.file), { recursive: true });
  try {
    fs.writeFileSync(target.file, '', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/**
 * Opens a PrismaClient on its own connection and applies the URL's pragmas to it. The adapter keeps one
 * connection per client, so pragmas run once here hold for every later query.
 */
export async function openDb(target: SqliteTarget): Promise<Db> {
  ensureDatabaseFile(target);
  const adapter = new ConnectionRecordingAdapter({ url: `file:${target.file}`, timeout: target.busyTimeoutMs }, (): object => db);
  const db: Db = tagProvider(new PrismaClient({ adapter }), 'sqlite');
  for (const sql of pragmaStatements(target)) {
    // journal_mode answers with a row, so every pragma goes through queryRaw.
    await db.$queryRawUnsafe(sql);
  }
  return db;
}
