import fs from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { DatabaseInUseError, lockInstance } from '../../src/db/instance-lock.ts';
import { parseDatabaseUrl } from '../../src/db/url.ts';
import { freshDbFile } from '../helpers/db.ts';

describe('one server per SQLite file', () => {
  it('is claimed by the first, refused to the next with DatabaseInUseError, and free once released', () => {
    const target = parseDatabaseUrl(freshDbFile().url);
    const first = lockInstance(target);
    expect(() => lockInstance(target)).toThrow(DatabaseInUseError);
    first.release();
    const next = lockInstance(target);
    next.release();
    // Nothing is written to it: no journal beside it.
    expect(fs.existsSync(`${target.file}-lock-journal`)).toBe(false);
  });

  it('stops a second app on the file, leaves the first running, and lets one start after it stops', async () => {
    const db = freshDbFile();
    const config = loadConfig({ DATABASE_URL: db.url, UPTOP_HTTP_HOST: '127.0.0.1', UPTOP_HTTP_PORT: '0', LOG_LEVEL: 'silent' });
    const first = await createApp(config, { logger: pino({ level: 'silent' }) });
    const { port } = await first.start();
    await expect(createApp(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(DatabaseInUseError);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    await first.stop();
    const again = await createApp(config, { logger: pino({ level: 'silent' }) });
    await again.start();
    await again.stop();
  });
});
