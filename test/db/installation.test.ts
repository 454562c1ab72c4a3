import { describe, expect, it } from 'vitest';
import { INSTALLATION_KEY, installationId } from '../../src/db/installation.ts';
import { PROVIDERS, useStores } from '../helpers/stores.ts';

const stores = useStores();

describe.each(PROVIDERS)('the installation id on %s', (provider) => {
  it('is made once and read back by every later start', async () => {
    const database = await stores.fresh(provider);
    const db = await database.open();
    const id = await installationId(db);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(await installationId(await database.open())).toBe(id);
    expect(await db.preference.findMany({ where: { key: INSTALLATION_KEY } })).toEqual([{ key: INSTALLATION_KEY, value: id }]);
  });

  it('is one for instances starting together on one database, and another for another database', async () => {
    const database = await stores.fresh(provider);
    const clients = await Promise.all(Array.from({ length: 4 }, () => database.open()));
    const ids = await Promise.all(clients.map((db) => installationId(db)));
    expect(new Set(ids).size).toBe(1);
    const other = await installationId(await (await stores.fresh(provider)).open());
    expect(other).not.toBe(ids[0]);
  });
});
