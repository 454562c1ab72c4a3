import { CommanderError } from 'commander';
import { EXIT, UsageError } from './errors.ts';
import type { CliIo } from './io.ts';
import { buildProgram } from './program.ts';

/** What runs without a command name: the server, with any options given (`uptop --demo`), as in the Go original. */
function withDefaultCommand(args: string[]): string[] {
  const first = args[0];
  const ownFlags = ['-h', '--help', '-v', '--version'];
  return first === undefined || (first.startsWith('-') && !ownFlags.includes(first)) ? ['serve', ...args] : args;
}

/**
 * Runs `uptop <args>` and answers the exit code: 0 done, 1 failed (one line on stderr), 2 not understood (commander
 * has printed why). `serve` answers once listening; the server then keeps the process alive.
 */
export async function runCli(args: string[], io: CliIo = process): Promise<number> {
  try {
    await buildProgram(io).parseAsync(withDefaultCommand(args), { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    // Help and --version are CommanderErrors too, with exit code 0.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    // Loaded on failure only: it knows the configuration's and the services' errors, which `--help` need not load.
    const { describeFailure } = await import('./describe.ts');
    for (const line of describeFailure(err).split('\n')) io.stderr.write(`uptop: ${line}\n`);
    return err instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
}
