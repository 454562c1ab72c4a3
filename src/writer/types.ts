import type { Prisma, SiteRuntimeState, SiteStatus } from '../generated/prisma/client.ts';

/**
 * The engine's fire-and-forget writes. Each is one row (or one upsert); the writer batches them.
 * Times are real Dates; the writer stores them in the adapter's ISO-8601 text format.
 */
export type Write =
  | {
      kind: 'check';
      siteId: number;
      checkedAt: Date;
      up: boolean;
      status: SiteStatus;
      latencyMs: number | null;
      statusCode: number | null;
      message: string | null;
      nodeId?: string;
      fence?: number;
    }
  | { kind: 'stateChange'; siteId: number; fromStatus: SiteStatus; toStatus: SiteStatus; reason: string; changedAt: Date; fence?: number }
  | { kind: 'log'; message: string; siteId: number | null; createdAt: Date }
  /** One send's outcome: counts are incremented, the rest overwritten. */
  | { kind: 'alertHealth'; alertChannelId: number; sentAt: Date; ok: boolean; error: string }
  /** A full snapshot of a site's runtime state (one `SiteRuntimeState` row); within a batch the newest per site wins. */
  | ({ kind: 'runtimeState'; fence?: number } & SiteRuntimeState)
  /**
   * An alert for the outbox, committed in the batch of the state change that caused it; `key` makes a second insert of
   * the same intent a no-op. A cluster's sender sends it (src/cluster/outbox.ts); a single instance sends it at once
   * from memory and marks it done (`alertDone`), so only a crash leaves it unsent, for the next start.
   */
  | { kind: 'alertIntent'; siteId: number; alertChannelId: number; key: string; payload: string; createdAt: Date; fence?: number }
  /**
   * A single instance's send of an outbox alert ended (`error` empty when it went out), or cannot happen (`tried`
   * false): its row is marked done. Queued behind its intent, so it never reaches the database first.
   */
  | { kind: 'alertDone'; key: string; sentAt: Date; error: string; tried: boolean };

/**
 * In a cluster, a site's rows are written only while the instance that produced them still holds the site's slot
 * under the fence the write carries (`fence`, stamped by src/cluster/fenced-writer.ts): the statement itself tests
 * the lease, so a stale owner's rows are refused by the database.
 */
export interface WriteFencing {
  owner: string;
  /** Sites are leased in this many slots, a site's being its id modulo the count. */
  slots: number;
  slotOf(siteId: number): number;
}

export type WriteKind = Write['kind'];
export const WRITE_KINDS: readonly WriteKind[] = ['check', 'stateChange', 'log', 'alertHealth', 'runtimeState', 'alertIntent', 'alertDone'];

/** The transaction client a submitted command runs with. */
export type Tx = Prisma.TransactionClient;

export interface WriterStats {
  /** Writes waiting in the queue now. */
  queueDepth: number;
  /** Writes dropped because the queue was full, per kind, since start. */
  dropped: Record<WriteKind, number>;
  droppedTotal: number;
  /** Rows written since start (an upsert kind writes one row per site or channel per batch). */
  written: number;
  /** Rows not written because their site or alert channel had been deleted after they were queued. */
  skipped: number;
  /**
   * Batches that failed for good (their writes are lost and logged); a batch failing for two kinds counts twice. A
   * batch the database refused only for a while is held and retried instead (`failing`).
   */
  failedBatches: number;
  /** Writes lost in failed batches. */
  failedWrites: number;
  /**
   * Set while the database refuses writes for a reason that passes (a lock held past busy_timeout, a full disk, a
   * read-only file system): the batches are held in the queue and retried, not lost. Null while writes land.
   */
  failing: { since: Date; error: string } | null;
  /** Commands waiting or running. */
  pendingCommands: number;
}

export interface CommandOptions {
  /**
   * Longest the command's transaction may stay open, instead of the writer's default: for a command whose work grows
   * with the installation (an apply that prunes thousands of sites with their history), taken in steps.
   */
  timeoutMs?: number;
}

export interface Writer {
  /** Never blocks, never throws. Past capacity the write is dropped, counted, and noted in the log. */
  enqueue(write: Write): void;
  /**
   * Runs an awaited command (an API mutation) in its own transaction, in order with the batches.
   * Never dropped; a rejection rolls back this command alone and rejects its promise.
   */
  submit<T>(command: (tx: Tx) => Promise<T>, options?: CommandOptions): Promise<T>;
  readonly stats: WriterStats;
  /**
   * Resolves once every write enqueued and every command submitted before the call has been processed (a held write
   * counts, as for writesDrained), and the retention passes queued or running at the call have ended (after start).
   */
  flush(): Promise<void>;
  /**
   * Resolves once every write enqueued before the call has been written, dropped, or tried and held for a retry while
   * the database refuses writes (`stats.failing`); retention is not waited for.
   */
  writesDrained(): Promise<void>;
  /** Starts the drain loop and the retention timers. */
  start(): void;
  /** Stops accepting writes, drains every buffered write and command, then resolves. Idempotent. */
  stop(): Promise<void>;
}
