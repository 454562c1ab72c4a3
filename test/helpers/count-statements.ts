import type { Db } from '../../src/db/client.ts';

/**
 * Counts the statements the reader's client runs (model operations and raw queries alike), for N+1 tests: pass
 * `wrap` as the app's `wrapReadDb` and read `count` before and after a request.
 */
export function statementCounter(): { wrap: (db: Db) => Db; readonly count: number } {
  let count = 0;
  return {
    wrap: (db) =>
      db.$extends({
        query: {
          async $allOperations({ args, query }) {
            count++;
            return query(args);
          },
        },
      }) as unknown as Db,
    get count() {
      return count;
    },
  };
}
