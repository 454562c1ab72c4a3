import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma-pg/client.ts';
import type { Db } from './client.ts';
import type { PostgresTarget } from './pg-url.ts';
import { tagProvider } from './provider.ts';

/** The statements that end a transaction, as Prisma's transaction manager sends them. */
const TRANSACTION_ENDS = new Set(['COMMIT', 'ROLLBACK']);

/**
 * Prisma 6.19's transaction manager sends COMMIT or ROLLBACK and only then calls the adapter's commit() or rollback(),
 * which give the connection back to the pool; when that statement fails because PostgreSQL ended the session (a
 * restart, a failover), neither is called and the connection is never given back. The writer's pool has one: every
 * later write, lease renewal and the stop itself would wait for it forever. Here a failed end gives it back (the pool
 * drops a connection that is no longer usable), and Prisma, which counts the transaction closed, does not again.
 */
class PgReturningFailedEnds extends PrismaPg {
  override async connect() {
    const adapter = await super.connect();
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const transaction = await startTransaction(isolationLevel);
      const executeRaw = transaction.executeRaw.bind(transaction);
      transaction.executeRaw = async (query) => {
        try {
          return await executeRaw(query);
        } catch (err) {
          if (TRANSACTION_ENDS.has(query.sql)) await transaction.rollback();
          throw err;
        }
      };
      return transaction;
    };
    return adapter;
  }
}

/**
 * A PrismaClient on `@prisma/adapter-pg` with a pool of at most `connections`: one for the writer (its transactions
 * and batches stay in order on one session, as on SQLite), more for the readers.
 */
export function openPgDb(target: PostgresTarget, connections: number): Db {
  const client = new PrismaClient({ adapter: new PgReturningFailedEnds({ connectionString: target.connectionString, max: connections }) });
  // The PostgreSQL client is generated from the same models (prisma/postgresql/schema.prisma is derived from
  // prisma/schema.prisma), so its model API is the SQLite client's; TypeScript sees two unrelated generated classes.
  // This one cast, here at the boundary, lets every service, the writer and the GraphQL schema keep the one `Db` type.
  return tagProvider(client as unknown as Db, 'postgresql');
}
