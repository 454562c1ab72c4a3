import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from './client.ts';

/**
 * Which database a client talks to. `DATABASE_URL=file:…` is SQLite (the default), `postgresql://…` or
 * `postgres://…` is PostgreSQL. Code outside src/db/ that writes raw SQL asks `providerOf(db)` (or of a transaction
 * client) which statement form to use; everything else is the same Prisma model API over either store.
 */
export type Provider = 'sqlite' | 'postgresql';

// A symbol, so it cannot collide with a model name; Prisma's client proxies (transactions, `$extends`) forward
// property reads to the client they wrap, so a transaction client answers with its parent's provider.
const PROVIDER = Symbol.for('uptop.db.provider');

/** Records on a client, once, at its opening in src/db/, which provider it talks to. */
export function tagProvider<T extends object>(client: T, provider: Provider): T {
  Object.defineProperty(client, PROVIDER, { value: provider, enumerable: false });
  return client;
}

/**
 * The provider of a client opened by src/db/ (`openDb`, `openStore`), of one of its transaction clients, or of a
 * client derived from it with `$extends` or a Proxy.
 */
export function providerOf(client: Db | Prisma.TransactionClient): Provider {
  const provider = (client as unknown as Record<symbol, Provider | undefined>)[PROVIDER];
  if (provider === undefined) throw new Error('providerOf: this client was not opened through src/db (openDb or openStore)');
  return provider;
}
