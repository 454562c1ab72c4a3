import { bumpChangeSignal, type Change } from '../db/change-signal.ts';
import type { CommandOptions, Tx, Write, Writer, WriterStats } from '../writer/types.ts';
import type { BatchWriter } from '../writer/writer.ts';

/**
 * The CLI's writer: each command it runs first announces the change the CLI command declared (`announce`) to a
 * server running on the same database, in the same transaction (db/change-signal.ts). It starts the BatchWriter on
 * the first command, so a command that only reads never writes, not even a retention pass.
 */
export class AnnouncingWriter implements Writer {
  private change: Change | null = null;

  constructor(private readonly inner: BatchWriter) {}

  /** What the following commands change; each must be declared, so no CLI write goes unannounced. */
  announce(change: Change): void {
    this.change = change;
  }

  async submit<T>(command: (tx: Tx) => Promise<T>, options?: CommandOptions): Promise<T> {
    const change = this.change;
    if (!change) throw new Error('a CLI command wrote without announcing its change (AnnouncingWriter.announce)');
    this.inner.start();
    return this.inner.submit(async (tx) => {
      await bumpChangeSignal(tx, change);
      return command(tx);
    }, options);
  }

  enqueue(write: Write): void {
    this.inner.enqueue(write);
  }

  get stats(): WriterStats {
    return this.inner.stats;
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  writesDrained(): Promise<void> {
    return this.inner.writesDrained();
  }

  start(): void {
    this.inner.start();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }
}
