import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from './client.ts';
import { providerOf } from './provider.ts';

/**
 * A `contains` filter that ignores case on both stores, as a search box should: SQLite's LIKE already does (for
 * ASCII), PostgreSQL's does not unless asked with `mode`, which SQLite's client refuses; hence the provider's form.
 */
export function containsIgnoringCase(db: Db, text: string): Prisma.StringFilter {
  if (providerOf(db) === 'postgresql') return { contains: text, mode: 'insensitive' } as Prisma.StringFilter;
  return { contains: text };
}
