import type { CommandOptions, Tx, Write, Writer } from './types.ts';

/** The writer with `enqueue` going through `enqueue` first (which hands on what it keeps); the rest passes through. */
export function interceptEnqueue(writer: Writer, enqueue: (write: Write, next: (write: Write) => void) => void): Writer {
  const next = (write: Write) => writer.enqueue(write);
  return {
    enqueue: (write) => enqueue(write, next),
    submit: <T>(command: (tx: Tx) => Promise<T>, options?: CommandOptions) => writer.submit(command, options),
    get stats() {
      return writer.stats;
    },
    flush: () => writer.flush(),
    writesDrained: () => writer.writesDrained(),
    start: () => writer.start(),
    stop: () => writer.stop(),
  };
}
