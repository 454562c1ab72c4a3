import { describe, expect, it } from 'vitest';
import { freshDbFile } from './helpers/db.ts';

describe('smoke', () => {
  it('opens a migrated copy with the generated client', async () => {
    const t = freshDbFile();
    const db = await t.open();
    const site = await db.site.create({ data: { name: 'a', type: 'HTTP', url: 'https://example.com' } });
    expect(site.id).toBe(1);
    const [{ journal_mode }] = await db.$queryRawUnsafe<{ journal_mode: string }[]>('PRAGMA journal_mode');
    expect(journal_mode).toBe('wal');
  });
});
