import fs from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.ts';
import { pragmaStatements, type SqliteTarget } from './url.ts';

export type Db = PrismaClient;

/** Makes sure the database file's folder exists: SQLite creates the file but not its folder. */
export function ensureDatabaseDir(target: SqliteTarget): void {
  if (target.file !== ':memory:') fs.mkdirSync(path.dirname(target.file), { recursive: true });
}

export function createAdapter(target: SqliteTarget): PrismaBetterSQLite3 {
  ensureDatabaseDir(target);
  return new PrismaBetterSQLite3({ url: `file:${target.file}`, timeout: target.busyTimeoutMs });
}

/**
 * Opens a PrismaClient on its own connection and applies the URL's pragmas to it. The adapter keeps one
 * connection per client, so pragmas run once here hold for every later query.
 */
export async function openDb(target: SqliteTarget): Promise<Db> {
  const db = new PrismaClient({ adapter: createAdapter(target) });
  for (const sql of pragmaStatements(target)) {
    // journal_mode answers with a row, so every pragma goes through queryRaw.
    await db.$queryRawUnsafe(sql);
  }
  return db;
}
