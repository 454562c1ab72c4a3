import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { verifyPassword } from '../../src/auth/passwords.ts';
import { BIN, tempDir } from './uptop.ts';

/**
 * Runs the command on a terminal of its own (util-linux `script` allocates the pseudo-terminal) and types each answer
 * once its prompt has appeared, as a person would; resolves with the exit code and everything the terminal showed.
 */
function onTerminal(args: string[], env: Record<string, string>, answers: [prompt: string, line: string][]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let screen = '';
  const pending = [...answers];
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
    const next = pending[0];
    if (next && screen.endsWith(next[0])) {
      pending.shift();
      child.stdin.write(`${next[1]}\r`);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, screen })));
}

// Each spawn of the CLI loads TypeScript through tsx: seconds on a busy machine.
describe('uptop user add at a terminal', { timeout: 60_000 }, () => {
  it('asks for the password twice without showing it, and stores it', async () => {
    const file = path.join(tempDir(), 'uptop.db');
    const run = await onTerminal(['user', 'add', 'kim'], { DATABASE_URL: `file:${file}` }, [
      ['Password: ', 'kim-secret-1'],
      ['Repeat it: ', 'kim-secret-1'],
    ]);
    expect(run.code).toBe(0);
    expect(run.screen.replaceAll('\r', '')).toBe('Password: \nRepeat it: \ncreated admin "kim" (id 1)\n');
    const db = new Database(file, { readonly: true });
    const { passwordHash } = db.prepare('SELECT passwordHash FROM User WHERE username = ?').get('kim') as { passwordHash: string };
    db.close();
    expect(await verifyPassword('kim-secret-1', passwordHash)).toBe(true);
  });

  it('refuses two different answers, and creates no one', async () => {
    const file = path.join(tempDir(), 'uptop.db');
    const run = await onTerminal(['user', 'add', 'kim'], { DATABASE_URL: `file:${file}` }, [
      ['Password: ', 'kim-secret-1'],
      ['Repeat it: ', 'kim-secret-2'],
    ]);
    expect(run.code).toBe(1);
    expect(run.screen.replaceAll('\r', '')).toBe('Password: \nRepeat it: \nuptop: the two passwords differ\n');
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM User').get()).toEqual({ n: 0 });
    db.close();
  });
});
