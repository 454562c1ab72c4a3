import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { ensureDatabaseFile, openDb, type Db } from './client.ts';
import { describeError } from './describe-error.ts';
import { DatabaseInUseError, type InstanceLock, lockInstance, NO_CLAIM } from './instance-lock.ts';
import { DatabaseNewerError, MigrationChangedError, migrate } from './migrate.ts';
import type { Provider } from './provider.ts';
import { isPostgresUrl, parsePostgresUrl } from './pg-url.ts';
import { DatabaseUrlError, parseDatabaseUrl } from './url.ts';
import { NO_CHECKPOINTS, startWalCheckpoints, type WalCheckpointOptions, type WalCheckpoints } from './wal-checkpoints.ts';

// Raw-SQL code asks a client which store it talks to; the answer is recorded where clients are opened.
export { type Provider, providerOf } from './provider.ts';

/** The database a `DATABASE_URL` names, before anything is opened: the one entry point of the server and the CLI. */
export interface Store {
  readonly provider: Provider;
  /** The SQLite file, or the PostgreSQL URL with its password masked: for messages and logs. */
  readonly location: string;
  /**
   * Creates the SQLite file (owner-only) when missing and applies the pending migrations; returns their names.
   * MigrationChangedError, with nothing applied, when an applied migration's file has changed since;
   * DatabaseNewerError when a newer uptop migrated the database.
   */
  migrate(): Promise<string[]>;
  /** The writer's client: one connection (DESIGN "One writer, two connections"). */
  openWriter(): Promise<Db>;
  /** The readers' client: a second SQLite connection, or a pool of `connection_limit` PostgreSQL connections. */
  openReader(): Promise<Db>;
  /**
   * Takes WAL checkpoints off the writer's COMMITs (SQLite in WAL mode: src/db/wal-checkpoints.ts); for the writer's
   * `checkpoints`. On PostgreSQL, and on SQLite in another journal mode, nothing changes.
   */
  walCheckpoints(writeDb: Db, deps: { clock: Clock; logger: Logger }, options?: Partial<WalCheckpointOptions>): Promise<WalCheckpoints>;
  /**
   * What a server holds while it runs: on SQLite the file alone (DatabaseInUseError when another server has it; any
   * other failure with `databaseFailure`'s message); on PostgreSQL nothing, as instances share it through leases.
   */
  claimForServer(): InstanceLock;
}

/**
 * `file:…` is SQLite (src/db/url.ts), `postgresql://…` or `postgres://…` PostgreSQL (src/db/pg-url.ts).
 * DatabaseUrlError for anything else or a malformed URL.
 */
export function storeFor(databaseUrl: string, cwd: string = process.cwd()): Store {
  if (isPostgresUrl(databaseUrl)) {
    const target = parsePostgresUrl(databaseUrl);
    // Loaded on use: a SQLite installation (and config.ts, which validates the URL here) never loads pg or its client.
    return {
      provider: 'postgresql',
      location: target.display,
      migrate: async () => (await import('./pg-migrate.ts')).migratePostgres(target),
      openWriter: async () => (await import('./pg-client.ts')).openPgDb(target, 1),
      openReader: async () => (await import('./pg-client.ts')).openPgDb(target, target.readPoolSize),
      walCheckpoints: async () => NO_CHECKPOINTS,
      claimForServer: () => NO_CLAIM,
    };
  }
  if (!databaseUrl.startsWith('file:')) {
    throw new DatabaseUrlError(
      `DATABASE_URL must start with "file:" (SQLite) or "postgresql://" / "postgres://" (PostgreSQL) (got "${databaseUrl.split(':')[0]}:…")`,
    );
  }
  const target = parseDatabaseUrl(databaseUrl, cwd);
  return {
    provider: 'sqlite',
    location: target.file,
    migrate: async () => {
      ensureDatabaseFile(target);
      return migrate(target);
    },
    openWriter: () => openDb(target),
    openReader: () => openDb(target),
    walCheckpoints: (writeDb, deps, options) => startWalCheckpoints(target, writeDb, deps, options),
    claimForServer() {
      try {
        ensureDatabaseFile(target);
        return lockInstance(target);
      } catch (err) {
        throw databaseFailure(this, err);
      }
    },
  };
}

/** Opens the writer's client, then the readers'; if the second fails the first is closed, so nothing is left open. */
export async function openClients(store: Store): Promise<{ writeDb: Db; readDb: Db }> {
  const writeDb = await store.openWriter();
  const readDb = await store.openReader().catch(async (err: unknown) => {
    await writeDb.$disconnect();
    throw err;
  });
  return { writeDb, readDb };
}

/**
 * The database could not be reached, opened or migrated: the message names it (`location` has its password masked)
 * and where its URL came from (DATABASE_URL, or a command's option), as Redis's names UPTOP_REDIS_URL. A changed
 * migration's message, a newer database's and a claimed one's name the database already.
 */
export function databaseFailure(store: Store, err: unknown, source = 'DATABASE_URL'): unknown {
  if (err instanceof MigrationChangedError || err instanceof DatabaseNewerError || err instanceof DatabaseInUseError) return err;
  return new Error(`could not open the database at ${store.location} (${source}): ${describeError(err)}`, { cause: err });
}

/**
 * What the server and every command do first: migrate the database, then open its clients (`openClients`). Either
 * failing rejects with `databaseFailure`'s message.
 */
export async function openMigrated(store: Store, source?: string): Promise<{ applied: string[]; writeDb: Db; readDb: Db }> {
  const fail = (err: unknown) => Promise.reject(databaseFailure(store, err, source));
  const applied = await store.migrate().catch(fail);
  const clients = await openClients(store).catch(fail);
  return { applied, ...clients };
}
