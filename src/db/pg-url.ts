import { DatabaseUrlError } from './url.ts';

/** What a `postgresql://` (or `postgres://`) `DATABASE_URL` means: the connection string for `pg`, and pool sizes. */
export interface PostgresTarget {
  /** The URL as `pg` takes it, without uptop's own parameters. */
  connectionString: string;
  /** The URL with its password masked, for messages and logs. */
  display: string;
  /** Connections the readers' pool may open (`connection_limit`, Prisma's name for it; default 10). */
  readPoolSize: number;
}

/** Parameters `pg` understands in a connection string, plus uptop's own `connection_limit`. */
const PG_PARAMETERS = new Set(['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'application_name', 'connect_timeout', 'options']);
const POOL_PARAMETER = 'connection_limit';
const DEFAULT_READ_POOL_SIZE = 10;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Parses `postgresql://user:password@host:port/database?sslmode=..&connection_limit=..`; DatabaseUrlError when it is not one. */
export function parsePostgresUrl(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseUrlError('DATABASE_URL is not a valid postgresql:// URL (check that special characters in the password are percent-encoded)');
  }
  if (!isPostgresUrl(url)) throw new DatabaseUrlError(`DATABASE_URL must start with "postgresql://" or "postgres://" (got "${parsed.protocol}")`);
  const display = mask(parsed);
  if (parsed.hostname === '') throw new DatabaseUrlError(`DATABASE_URL ${display} has no host`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw new DatabaseUrlError(`DATABASE_URL ${display} must name one database, as in postgresql://host/uptop`);
  // A misspelt parameter would otherwise be ignored and its default silently used, as for SQLite's.
  for (const key of parsed.searchParams.keys()) {
    if (key !== POOL_PARAMETER && !PG_PARAMETERS.has(key)) {
      throw new DatabaseUrlError(`DATABASE_URL has an unknown parameter "${key}" (supported: ${[POOL_PARAMETER, ...PG_PARAMETERS].join(', ')})`);
    }
  }
  const limit = parsed.searchParams.get(POOL_PARAMETER) ?? String(DEFAULT_READ_POOL_SIZE);
  if (!/^[1-9]\d*$/.test(limit)) throw new DatabaseUrlError(`DATABASE_URL connection_limit must be a whole number of at least 1 (got "${limit}")`);
  const connection = new URL(parsed);
  connection.searchParams.delete(POOL_PARAMETER);
  return { connectionString: connection.toString(), display, readPoolSize: Number(limit) };
}

function mask(url: URL): string {
  const masked = new URL(url);
  if (masked.password !== '') masked.password = '***';
  return masked.toString();
}
