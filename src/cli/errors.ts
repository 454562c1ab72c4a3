/** The process's exit codes: 0 done, 1 the command failed, 2 it was not understood. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A command failed for a reason the user can act on; its message is the one line printed. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The command line was understood by the parser but cannot be run as given (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}
