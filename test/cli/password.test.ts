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

/** `uptop user add kim` on a fresh database, typing `first` and then `second`; the screen without carriage returns, and kim's password hash. */
async function addKim(first: string, second: string): Promise<{ code: number | null; screen: string; passwordHash: string | null }> {
  const file = path.join(tempDir(), 'uptop.db');
  const run = await onTerminal(['user', 'add', 'kim'], { DATABASE_URL: `file:${file}` }, [
    ['Password: ', first],
    ['Repeat it: ', second],
  ]);
  const db = new Database(file, { readonly: true });
  const row = db.prepare('SELECT passwordHash FROM User WHERE username = ?').get('kim') as { passwordHash: string } | undefined;
  db.close();
  return { code: run.code, screen: run.screen.replaceAll('\r', ''), passwordHash: row?.passwordHash ?? null };
}

// Each spawn of the CLI loads TypeScript through tsx: seconds on a busy machine.
describe('uptop user add at a terminal', { timeout: 60_000 }, () => {
  it('asks for the password twice without showing it, and stores it', async () => {
    const run = await addKim('kim-secret-1', 'kim-secret-1');
    expect([run.code, run.screen]).toEqual([0, 'Password: \nRepeat it: \ncreated admin "kim" (id 1)\n']);
    expect(await verifyPassword('kim-secret-1', run.passwordHash!)).toBe(true);
  });

  it('refuses two different answers, and creates no one', async () => {
    const run = await addKim('kim-secret-1', 'kim-secret-2');
    expect(run).toEqual({ code: 1, screen: 'Password: \nRepeat it: \nuptop: the two passwords differ\n', passwordHash: null });
  });
});
