import Database from 'better-sqlite3';
import type { SqliteTarget } from './url.ts';

/**
 * Another uptop server runs on this SQLite file. Two engines on one file would each check every site and send every
 * alert, and each keep its own idea of a site's state; several instances need PostgreSQL
 * (DESIGN, "Growing past one machine").
 */
export class DatabaseInUseError extends Error {
  constructor(
    readonly file: string,
    readonly lockFile: string,
  ) {
    super(
      `another uptop server is running on ${file} (it holds ${lockFile}): stop it first. ` +
        'Commands such as `uptop user` and `uptop apply` work beside it; several servers need PostgreSQL.',
    );
    this.name = 'DatabaseInUseError';
  }
}

export interface InstanceLock {
  release(): void;
}

/** The claim of a store several servers share (PostgreSQL), or of a server told not to claim: nothing to release. */
export const NO_CLAIM: InstanceLock = { release: () => {} };

/**
 * Claims the SQLite file for this server until `release()`. The claim is an exclusive transaction left open on a file
 * beside the database, so the operating system ends it with the process however it ends (a crash, SIGKILL); a stale
 * file is no claim. The database itself is not locked: the CLI's commands keep reading and writing it.
 */
export function lockInstance(target: SqliteTarget): InstanceLock {
  const lockFile = `${target.file}-lock`;
  const conn = new Database(lockFile, { timeout: 0 });
  try {
    // Nothing is ever written to it, so it needs no journal file beside it.
    conn.pragma('journal_mode = OFF');
    conn.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    conn.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new DatabaseInUseError(target.file, lockFile);
    throw err;
  }
  return { release: () => conn.close() };
}
