/**
 * SQLite's codes for a database that refuses writes for a while: a lock held past busy_timeout, a full disk, a
 * read-only or failing file system, a file that cannot be opened. Extended codes (SQLITE_IOERR_WRITE,
 * SQLITE_READONLY_DBMOVED, ...) start with one of these.
 */
const SQLITE_PASSING = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PROTOCOL', 'SQLITE_NOMEM'];

/** Prisma's codes for a database that is busy or timed out (a transaction that could not start or finish in time). */
const PRISMA_BUSY = new Set(['P1008', 'P2024', 'P2028', 'P2034']);

/** The driver adapter's kinds of error for a database that cannot be reached or dropped the connection (PostgreSQL). */
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/** PostgreSQL's class 08 (connection exception) and 57P01-57P03 (shutting down, crashed, still starting up). */
const POSTGRES_AWAY = /^(08|57P0[123])/;

interface AdapterCause {
  kind?: unknown;
  code?: unknown;
  originalCode?: unknown;
}

interface StoreErrorShape {
  code?: unknown;
  cause?: AdapterCause;
  meta?: { driverAdapterError?: { cause?: AdapterCause } };
}

/** A PostgreSQL that is stopped, restarting or refusing connections, as the driver adapter describes it. */
function isDatabaseAway(err: StoreErrorShape): boolean {
  const cause = err.meta?.driverAdapterError?.cause ?? err.cause;
  if (!cause) return false;
  if (typeof cause.kind === 'string' && UNREACHABLE_KINDS.has(cause.kind)) return true;
  return cause.kind === 'postgres' && typeof cause.code === 'string' && POSTGRES_AWAY.test(cause.code);
}

/** The code a failed query carries: Prisma's own, or the database's that the driver adapter passed on under it. */
function codesOf(err: unknown): string[] {
  if (typeof err !== 'object' || err === null) return [];
  const shape = err as StoreErrorShape;
  return [shape.code, shape.meta?.driverAdapterError?.cause?.originalCode].filter((c): c is string => typeof c === 'string');
}

/**
 * Whether a failed query failed because of the database's state rather than the query: the same query may succeed
 * once the state passes, so a write is worth holding and retrying, and a caller is told to try again. False for a
 * constraint, a malformed statement or a bug, which would fail the same way every time.
 */
export function isStoreUnavailable(err: unknown): boolean {
  if (typeof err === 'object' && err !== null && isDatabaseAway(err as StoreErrorShape)) return true;
  return codesOf(err).some((code) => PRISMA_BUSY.has(code) || SQLITE_PASSING.some((passing) => code.startsWith(passing)));
}
