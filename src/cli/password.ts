import readline from 'node:readline';
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
    const [first, second] = await promptHidden(source, ['Password: ', 'Repeat it: ']);
    if (first !== second) throw new CliError('the two passwords differ');
    return first!;
  }
  let text = '';
  for await (const chunk of source.stdin) text += String(chunk);
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new CliError('no password: give --password, type it at a terminal, or pipe it on stdin');
  return line;
}

/**
 * Reads a line from the terminal for each prompt without echoing it: readline writes its echo to a stream that drops
 * it. Lines are read through the interface's iterator, which keeps those typed ahead of their prompt.
 */
async function promptHidden(source: PasswordSource, prompts: string[]): Promise<string[]> {
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = readline.createInterface({ input: source.stdin, output: silent, terminal: true });
  const lines = rl[Symbol.asyncIterator]();
  const answers: string[] = [];
  try {
    for (const prompt of prompts) {
      source.stderr.write(prompt);
      const line = await lines.next();
      source.stderr.write('\n');
      if (line.done) throw new CliError('no password: the terminal closed');
      answers.push(line.value);
    }
    return answers;
  } finally {
    rl.close();
  }
}
