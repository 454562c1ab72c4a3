import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma-pg/client.ts';
import type { Db } from './client.ts';
import type { PostgresTarget } from './pg-url.ts';
import { tagProvider } from './provider.ts';

/**
 * A PrismaClient on `@prisma/adapter-pg` with a pool of at most `connections`: one for the writer (its transactions
 * and batches stay in order on one session, as on SQLite), more for the readers.
 */
export function openPgDb(target: PostgresTarget, connections: number): Db {
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: target.connectionString, max: connections }) });
  // The PostgreSQL client is generated from the same models (prisma/postgresql/schema.prisma is derived from
  // prisma/schema.prisma), so its model API is the SQLite client's; TypeScript sees two unrelated generated classes.
  // This one cast, here at the boundary, lets every service, the writer and the GraphQL schema keep the one `Db` type.
  return tagProvider(client as unknown as Db, 'postgresql');
}
