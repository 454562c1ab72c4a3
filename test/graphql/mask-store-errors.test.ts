import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { maskError } from '../../src/graphql/mask-error.ts';
import { holdWriteLock } from '../db/hold-write-lock.ts';
import { fillDisk, freshDbFile } from '../helpers/db.ts';
import { writerHarness } from '../writer/harness.ts';

const UNAVAILABLE = { message: 'the database is busy or cannot be written; try again', extensions: { code: 'SERVICE_UNAVAILABLE' } };

/** What a mutation's command rejects with when the database refuses it, as the API would answer it. */
async function answered(command: Promise<unknown>): Promise<GraphQLError> {
  const err = await command.then(
    () => expect.fail('the command was expected to fail'),
    (e: unknown) => e,
  );
  return maskError(new GraphQLError('failed', { originalError: err as Error }), 'Unexpected error.') as GraphQLError;
}

describe('a mutation the database refuses for a while', () => {
  it('is answered SERVICE_UNAVAILABLE, not "Unexpected error.", when another process holds the lock past busy_timeout', async () => {
    const h = await writerHarness({ store: freshDbFile('?busy_timeout=0') });
    h.writer.start();
    const holder = await holdWriteLock(h.t.target.file, 'until released');

    const err = await answered(h.writer.submit((tx) => tx.preference.create({ data: { key: 'k', value: 'v' } })));

    expect(err).toMatchObject(UNAVAILABLE);
    await holder.release();
  });

  it('is answered SERVICE_UNAVAILABLE when the database is full', async () => {
    const h = await writerHarness();
    h.writer.start();
    await fillDisk(h.writeDb);

    const err = await answered(h.writer.submit((tx) => tx.log.create({ data: { message: 'x'.repeat(100_000), createdAt: new Date() } })));

    expect(err).toMatchObject(UNAVAILABLE);
  });
});
