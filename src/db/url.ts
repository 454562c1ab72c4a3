import path from 'node:path';

/** What a `DATABASE_URL` means for the better-sqlite3 adapter: a path plus the pragmas to run on connect. */
export interface SqliteTarget {
  /** Absolute filesystem path. */
  file: string;
  busyTimeoutMs: number;
  journalMode: string;
  synchronous: string;
}

export const DEFAULT_DATABASE_URL = 'file:./data/uptop.db';

const JOURNAL_MODES = new Set(['DELETE', 'TRUNCATE', 'PERSIST', 'MEMORY', 'WAL', 'OFF']);
const SYNCHRONOUS = new Set(['OFF', 'NORMAL', 'FULL', 'EXTRA', '0', '1', '2', '3']);
const PARAMETERS = new Set(['busy_timeout', 'journal_mode', 'synchronous']);

export class DatabaseUrlError extends Error {}

/**
 * Parses `file:<path>?busy_timeout=..&journal_mode=..&synchronous=..`. The adapter would otherwise open the
 * whole string, query included, as the file name (STACK.md), so the query string is taken apart here.
 */
export function parseDatabaseUrl(url: string = DEFAULT_DATABASE_URL, cwd: string = process.cwd()): SqliteTarget {
  if (!url.startsWith('file:')) {
    throw new DatabaseUrlError(`DATABASE_URL must start with "file:" (got "${url}")`);
  }
  const rest = url.slice('file:'.length);
  const q = rest.indexOf('?');
  const rawPath = q === -1 ? rest : rest.slice(0, q);
  const params = new URLSearchParams(q === -1 ? '' : rest.slice(q + 1));
  if (rawPath === '') throw new DatabaseUrlError('DATABASE_URL has no file path');
  // Each connection to :memory: is a database of its own: the writer's would hold the tables, the readers' none.
  if (rawPath === ':memory:') {
    throw new DatabaseUrlError(
      'DATABASE_URL "file::memory:" is not supported: uptop opens the database on more than one connection and each would see its own empty ' +
        'in-memory database. Use a file path, such as file:./data/uptop.db (on a tmpfs for a throwaway database)',
    );
  }
  // A misspelt parameter would otherwise be ignored and its default silently used.
  for (const key of params.keys()) {
    if (!PARAMETERS.has(key)) {
      throw new DatabaseUrlError(`DATABASE_URL has an unknown parameter "${key}" (supported: ${[...PARAMETERS].join(', ')})`);
    }
  }

  const busy = params.get('busy_timeout') ?? '5000';
  if (!/^\d+$/.test(busy)) {
    throw new DatabaseUrlError(`DATABASE_URL busy_timeout must be a whole number of milliseconds (got "${busy}")`);
  }
  const journalMode = (params.get('journal_mode') ?? 'WAL').toUpperCase();
  if (!JOURNAL_MODES.has(journalMode)) {
    throw new DatabaseUrlError(`DATABASE_URL journal_mode must be one of ${[...JOURNAL_MODES].join(', ')} (got "${journalMode}")`);
  }
  const synchronous = (params.get('synchronous') ?? 'NORMAL').toUpperCase();
  if (!SYNCHRONOUS.has(synchronous)) {
    throw new DatabaseUrlError(`DATABASE_URL synchronous must be one of OFF, NORMAL, FULL, EXTRA (got "${synchronous}")`);
  }
  return { file: path.resolve(cwd, rawPath), busyTimeoutMs: Number(busy), journalMode, synchronous };
}

/** The pragmas to run right after connecting. */
export function pragmaStatements(target: SqliteTarget): string[] {
  return [`PRAGMA journal_mode = ${target.journalMode}`, `PRAGMA synchronous = ${target.synchronous}`, 'PRAGMA foreign_keys = ON'];
}
