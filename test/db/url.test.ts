import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { DatabaseUrlError, parseDatabaseUrl, pragmaStatements } from '../../src/db/url.ts';

describe('DATABASE_URL parsing', () => {
  it('defaults to busy_timeout 5000, WAL and NORMAL, and resolves the path against the working directory', () => {
    expect(parseDatabaseUrl('file:./data/uptop.db', '/srv/uptop')).toEqual({
      file: '/srv/uptop/data/uptop.db',
      busyTimeoutMs: 5000,
      journalMode: 'WAL',
      synchronous: 'NORMAL',
    });
    expect(parseDatabaseUrl(undefined, '/srv/uptop').file).toBe('/srv/uptop/data/uptop.db');
  });

  it('takes the three pragmas from the query string and keeps them out of the file name', () => {
    expect(parseDatabaseUrl('file:/var/lib/uptop.db?busy_timeout=1234&journal_mode=delete&synchronous=full')).toEqual({
      file: '/var/lib/uptop.db',
      busyTimeoutMs: 1234,
      journalMode: 'DELETE',
      synchronous: 'FULL',
    });
    expect(pragmaStatements(parseDatabaseUrl('file:/x.db?journal_mode=WAL&synchronous=NORMAL'))).toEqual([
      'PRAGMA journal_mode = WAL',
      'PRAGMA synchronous = NORMAL',
      'PRAGMA foreign_keys = ON',
    ]);
  });

  it('refuses :memory:, naming DATABASE_URL and suggesting a file path: each connection would get an empty database of its own', () => {
    expect(() => parseDatabaseUrl('file::memory:')).toThrow(DatabaseUrlError);
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'file::memory:' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([{ variable: 'DATABASE_URL', message: expect.stringMatching(/"file::memory:" is not supported/) }]);
    expect((error as Error).message).toContain('Use a file path, such as file:./data/uptop.db');
    // A file that happens to be called :memory: is a file.
    expect(parseDatabaseUrl('file:./:memory:', '/srv').file).toBe('/srv/:memory:');
  });

  it.each([
    ['postgres://localhost/uptop', /must start with "file:"/],
    ['file:', /no file path/],
    ['file:./x.db?busy_timeout=soon', /busy_timeout must be a whole number/],
    ['file:./x.db?busy_timeout=-1', /busy_timeout must be a whole number/],
    ['file:./x.db?journal_mode=fast', /journal_mode must be one of/],
    ['file:./x.db?synchronous=sometimes', /synchronous must be one of/],
    ['file:./x.db?busy_timout=5000', /unknown parameter "busy_timout"/],
  ])('refuses %s with a DatabaseUrlError', (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(DatabaseUrlError);
    expect(() => parseDatabaseUrl(url)).toThrow(message);
  });

  it('resolves relative paths against the given directory only', () => {
    expect(parseDatabaseUrl('file:uptop.db', '/a/b').file).toBe(path.join('/a/b', 'uptop.db'));
    expect(parseDatabaseUrl('file:/abs/uptop.db', '/a/b').file).toBe('/abs/uptop.db');
  });
});
