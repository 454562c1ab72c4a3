import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { listMigrations } from '../../src/db/migrate.ts';
import { freshDbFile } from '../helpers/db.ts';
import { holdWriteLock } from '../db/hold-write-lock.ts';
import { tempDir, uptop } from './uptop.ts';

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; bin: Record<string, string> };

// Each spawn of the CLI loads TypeScript through tsx: seconds on a busy machine.
describe('uptop: help, version, usage and failures', { timeout: 60_000 }, () => {
  it('--help lists every command; package.json names the binary', async () => {
    expect(pkg.bin).toEqual({ uptop: 'bin/uptop.js' });
    const run = await uptop(['--help'], {});
    expect(run.code).toBe(0);
    const commands = [...run.stdout.matchAll(/^ {2}(\w[\w-]*)/gm)].map((m) => m[1]);
    expect(commands).toEqual(['serve', 'migrate', 'migrate-db', 'user', 'token', 'apply', 'export', 'import', 'probe', 'version', 'help']);
  });

  it('version, --version and -v print the version of package.json', async () => {
    const runs = await Promise.all([uptop(['version'], {}), uptop(['--version'], {}), uptop(['-v'], {})]);
    expect(runs.map((r) => [r.code, r.stdout])).toEqual(Array(3).fill([0, `${pkg.version}\n`]));
  });

  it("exits 2 with commander's message, then the command's own usage, for an unknown command or option, a missing argument, a bad option value or an unclear import", async () => {
    const cases: { args: string[]; message: string; helpOf: string[] }[] = [
      { args: ['frobnicate'], message: "error: unknown command 'frobnicate'", helpOf: [] },
      { args: ['user', 'list', '--bogus'], message: "error: unknown option '--bogus'", helpOf: ['user', 'list'] },
      { args: ['user', 'add'], message: "error: missing required argument 'username'", helpOf: ['user', 'add'] },
      { args: ['token', 'create'], message: "error: missing required argument 'username'", helpOf: ['token', 'create'] },
      {
        args: ['user', 'add', 'zoe', '--role', 'owner', '--password', 'long-enough'],
        message: "error: option '--role <role>' argument 'owner' is invalid. expected admin, editor or viewer",
        helpOf: ['user', 'add'],
      },
      { args: ['migrate-db', '--to', 'file:./x.db'], message: "error: required option '--from <url>' not specified", helpOf: ['migrate-db'] },
      { args: ['import'], message: 'error: missing the backup file to import (or --kuma <file> for an Uptime Kuma export)', helpOf: ['import'] },
      { args: ['import', 'backup.json', '--kuma', 'kuma.json'], message: 'error: give a backup file or --kuma <file>, not both', helpOf: ['import'] },
    ];
    const [runs, helps] = await Promise.all([
      Promise.all(cases.map((c) => uptop(c.args, {}))),
      Promise.all(cases.map((c) => uptop([...c.helpOf, '--help'], {}))),
    ]);
    for (const help of helps) expect(help).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: uptop /), stderr: '' });
    expect(runs.map((r) => [r.code, r.stdout, r.stderr])).toEqual(cases.map((c, i) => [2, '', `${c.message}\n\n${helps[i]!.stdout}`]));
  });

  it('migrate creates the database owner-only with every migration; a second run has nothing to apply', async () => {
    const file = path.join(tempDir(), 'data', 'uptop.db');
    const env = { DATABASE_URL: `file:${file}` };
    const first = await uptop(['migrate'], env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain(`applied ${listMigrations().length} migration(s) to ${file}`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const db = new Database(file, { readonly: true });
    const applied = db.prepare('SELECT migration_name AS name FROM _prisma_migrations ORDER BY name').all() as { name: string }[];
    db.close();
    expect(applied.map((m) => m.name)).toEqual(listMigrations().map((m) => m.name));
    expect(await uptop(['migrate'], env)).toEqual({ code: 0, stdout: `${file} is up to date\n`, stderr: '' });
  });

  it('exits 1 with one line on stderr when the command fails: an unknown user, a bad configuration', async () => {
    const env = { DATABASE_URL: `file:${path.join(tempDir(), 'uptop.db')}` };
    const [unknown, badConfig] = await Promise.all([uptop(['user', 'delete', 'nobody'], env), uptop(['user', 'list'], { ...env, UPTOP_HTTP_PORT: 'eighty' })]);
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: 'uptop: no user named "nobody"\n' });
    expect(badConfig).toEqual({ code: 1, stdout: '', stderr: 'uptop: Invalid configuration: UPTOP_HTTP_PORT: expected a whole number from 0 to 65535\n' });
  });

  it('a command waits for another process that holds the write lock (the busy timeout), and fails at once without one', async () => {
    // Each file in WAL mode first, as a server leaves it: switching the mode needs a lock that no timeout waits for.
    const waits = freshDbFile('?busy_timeout=30000');
    await waits.open();
    const holder = await holdWriteLock(waits.target.file, 3000);
    const run = await uptop(['user', 'add', 'ann', '--password', 'ann-password'], { DATABASE_URL: waits.url });
    expect(run).toMatchObject({ code: 0, stdout: 'created admin "ann" (id 1)\n' });
    expect(await holder.exited).toBe(0);

    const refuses = freshDbFile('?busy_timeout=0');
    await refuses.open();
    await holdWriteLock(refuses.target.file, 30_000);
    const refused = await uptop(['user', 'add', 'ann', '--password', 'ann-password'], { DATABASE_URL: refuses.url });
    expect([refused.code, refused.stdout]).toEqual([1, '']);
    // Before it, the writer's retention pass, which runs first, logs that it could not prune either.
    expect(refused.stderr.split('\n').at(-2)).toBe('uptop: Raw query failed. Code: `SQLITE_BUSY`. Message: `database is locked`');
  });
});
