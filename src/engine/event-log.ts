import type { Clock } from '../clock.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../log.ts';
import type { Writer } from '../writer/types.ts';
import type { AppPubSub } from './events.ts';
import { LOG_RING_SIZE, LogRing, sanitizeLog } from './log-ring.ts';
import type { LogRecord } from './types.ts';

export interface EventLogOptions {
  clock: Clock;
  pubsub: AppPubSub;
  logger: Logger;
}

/**
 * The engine log: the newest lines in memory, each published on `log:added`, mirrored to the process logger and, unless
 * told otherwise, persisted through the writer. It is made before the writer, because the writer notes its own drops
 * and failures here (in memory only, so a full queue never feeds itself), and is then given the writer to persist through.
 */
export class EventLog {
  private readonly ring = new LogRing();
  private writer: Pick<Writer, 'enqueue'> | null = null;

  constructor(private readonly options: EventLogOptions) {}

  /** Where persisted lines go from now on; the composition root calls it once the writer exists. */
  persistTo(writer: Pick<Writer, 'enqueue'>): void {
    this.writer = writer;
  }

  add(message: string, siteId: number | null = null, persist = true): void {
    if (persist && !this.writer) throw new Error('the event log cannot persist a line before it is given the writer');
    const record: LogRecord = { message: sanitizeLog(message), createdAt: this.options.clock.now(), siteId };
    this.ring.push(record);
    if (persist) this.writer!.enqueue({ kind: 'log', ...record });
    this.options.pubsub.publish('log:added', record);
    this.options.logger.info({ siteId }, record.message);
  }

  /** Newest first. */
  newest(limit = LOG_RING_SIZE): LogRecord[] {
    return this.ring.newest(limit);
  }

  /** Puts lines read by readNewestLogs back in memory, oldest first, so a restart shows what came before it. */
  restore(newestFirst: readonly LogRecord[]): void {
    for (let i = newestFirst.length - 1; i >= 0; i--) this.ring.push(newestFirst[i]!);
  }
}

/** The newest persisted lines, as many as the memory ring holds, newest first. */
export async function readNewestLogs(db: Db): Promise<LogRecord[]> {
  const rows = await db.log.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: LOG_RING_SIZE });
  return rows.map((row) => ({ message: row.message, createdAt: row.createdAt, siteId: row.siteId }));
}
