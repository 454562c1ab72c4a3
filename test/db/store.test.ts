import { describe, expect, it } from 'vitest';
import { providerOf } from '../../src/db/store.ts';
import { freshDbFile } from '../helpers/db.ts';

describe('providerOf', () => {
  it('answers for a SQLite client, its transaction clients and the clients derived from it', async () => {
    const db = await freshDbFile().open();
    expect(providerOf(db)).toBe('sqlite');
    expect(await db.$transaction(async (tx) => providerOf(tx))).toBe('sqlite');
    const extended = db.$extends({ query: { $allOperations: ({ args, query }) => query(args) } });
    expect(providerOf(extended as unknown as typeof db)).toBe('sqlite');
    expect(providerOf(new Proxy(db, {}))).toBe('sqlite');
  });

  it('refuses a client that src/db did not open', () => {
    expect(() => providerOf({} as never)).toThrow(/not opened through src\/db/);
  });
});
