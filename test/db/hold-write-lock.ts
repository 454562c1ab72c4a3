import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./fixtures/hold-write-lock.cjs', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const HOLDER_MARKER = 'written by the lock holder';

/**
 * Starts a second process that takes the write lock on `file` and holds it for `holdMs`, or until `release()` with
 * 'until released'; resolves once it holds the lock. `exited` resolves with the process's exit code after it committed.
 */
export async function holdWriteLock(
  file: string,
  holdMs: number | 'until released',
): Promise<{ exited: Promise<number | null>; output: () => string; release: () => Promise<number | null> }> {
  const hold = holdMs === 'until released' ? 'stdin' : String(holdMs);
  const child = spawn(process.execPath, [SCRIPT, file, hold], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill();
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('locked\n')) resolve();
    });
    exited.then((code) => reject(new Error(`lock holder exited (${code}) before locking: ${output}`)), reject);
  });
  const release = () => {
    child.stdin.end('commit\n');
    return exited;
  };
  return { exited, output: () => output, release };
}
