import readline from 'node:readline/promises';
import { Writable } from 'node:stream';
import { CliError } from './errors.ts';

export interface PasswordSource {
  /** `--password`, when given on the command line. */
  given?: string;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WritableStream;
}

/**
 * The password for a command: `--password` if given; else typed at a terminal (hidden, asked twice); else the first
 * line of stdin, so scripts can pipe it in without it showing in the process list.
 */
export async function readPassword(source: PasswordSource): Promise<string> {
  if (source.given !== undefined) return source.given;
  if (source.stdin.isTTY) {
    const first = await promptHidden(source, 'Password: ');
    const second = await promptHidden(source, 'Repeat it: ');
    if (first !== second) throw new CliError('the two passwords differ');
    return first;
  }
  let text = '';
  for await (const chunk of source.stdin) text += String(chunk);
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new CliError('no password: give --password, type it at a terminal, or pipe it on stdin');
  return line;
}

/** Reads one line from the terminal without echoing it: readline writes its echo to a stream that drops it. */
async function promptHidden(source: PasswordSource, prompt: string): Promise<string> {
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = readline.createInterface({ input: source.stdin, output: silent, terminal: true });
  source.stderr.write(prompt);
  try {
    return await rl.question('');
  } finally {
    rl.close();
    source.stderr.write('\n');
  }
}
