import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { parseDatabaseUrl } from '../../src/db/url.ts';

describe('a new database file', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('is created with its folder, owner-only, and so are its WAL files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-file-'));
    dirs.push(dir);
    const target = parseDatabaseUrl(`file:${path.join(dir, 'nested', 'uptop.db')}`);
    const db = await openDb(target);
    migrate(target);
    await db.site.create({ data: { name: 'a' } });
    const modes = ['uptop.db', 'uptop.db-wal', 'uptop.db-shm'].map((f) => fs.statSync(path.join(dir, 'nested', f)).mode & 0o777);
    await db.$disconnect();
    expect(modes).toEqual([0o600, 0o600, 0o600]);
  });

  it('keeps an existing file and its mode', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-file-'));
    dirs.push(dir);
    const file = path.join(dir, 'uptop.db');
    fs.writeFileSync(file, '', { mode: 0o640 });
    fs.chmodSync(file, 0o640);
    const db = await openDb(parseDatabaseUrl(`file:${file}`));
    await db.$disconnect();
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
  });
});
