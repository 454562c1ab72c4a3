import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { deleteExpiredApiTokens, deleteExpiredSessions } from '../auth/expired-credentials.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { describeError } from '../db/describe-error.ts';
import { type Dialect, dialectOf } from '../db/dialect.ts';
import { isStoreUnavailable } from '../db/unavailable.ts';
import { NO_CHECKPOINTS, type WalCheckpoints } from '../db/wal-checkpoints.ts';
import type { Logger } from '../log.ts';
import { deleteSilentNodes } from '../probes/nodes.ts';
import { DropNotes } from './drop-notes.ts';
import { WriteOutage } from './outage.ts';
import { Progress } from './progress.ts';
import { pruneEndedMaintenance, pruneHistory, pruneRollups } from './retention.ts';
import { ROLLUP_LEVELS, type RollupLevel } from './rollups.ts';
import { encodeBatch, type KindStatement } from './statements.ts';
import { type CommandOptions, WRITE_KINDS, type Tx, type Write, type WriteFencing, type WriteKind, type Writer, type WriterStats } from './types.ts';

export interface WriterOptions {
  /** The writing client (from `openDb`). The writer must be its only user: see DESIGN "One writer, two connections". */
  db: Db;
  /** Drives the retention timers and the drop-note interval. */
  clock: Clock;
  logger: Logger;
  config: Config['writer'];
  /** The engine's in-memory log: drops and failures are noted there as well as in the process log. */
  onLog?: (message: string) => void;
  /** Sees every batch once it has been written or has failed, with how long that took in real time (metrics). */
  onBatch?: (batch: readonly Write[], durationMs: number) => void;
  /** Commands queued at once; past this, `submit` waits for room (back-pressure on the API). */
  maxQueuedCommands?: number;
  /** Longest a command's transaction may stay open before Prisma aborts it. */
  commandTimeoutMs?: number;
  /**
   * Run the retention passes (default true). The CLI's short-lived writer leaves them to the server: a pass started
   * by a one-off command only competes with the server for the write lock. A predicate is asked before each pass:
   * several instances on one database prune once, by the one it answers true for.
   */
  retention?: boolean | (() => boolean);
  /** A cluster's fencing: site rows are written only under their slot's lease (see WriteFencing). */
  fencing?: WriteFencing;
  /** Checkpoints the SQLite WAL off the event loop (`Store.walCheckpoints`); the writer stops them when it stops. */
  checkpoints?: WalCheckpoints;
}

export const DEFAULT_MAX_QUEUED_COMMANDS = 64;
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/** A command refused while writes held through a database outage cannot be written yet (SERVICE_UNAVAILABLE). */
export class WritesHeldError extends Error {
  constructor(reason: string) {
    super(`the database refuses writes (${reason}); the writes held meanwhile come first, so try again`);
    this.name = 'WritesHeldError';
  }
}

export class WriterStoppedError extends Error {
  constructor() {
    super('the database writer is stopped and accepts no more commands');
    this.name = 'WriterStoppedError';
  }
}

type Task = () => Promise<void>;

interface RetentionJob {
  intervalMs: number;
  /** One pass, in steps: the loop runs one step per task, so batches and commands take turns with it. */
  pass: () => AsyncGenerator<void, void>;
  timer: TimerHandle | null;
  /** Settles when the pass queued or running ends; a timer firing meanwhile does not start another. */
  running: Promise<void> | null;
}

/**
 * The single writer (DESIGN "Writer"). One loop owns the writing connection and runs, strictly one at a time,
 * batches of the engine's queued writes (one transaction each), awaited commands from the API, and retention.
 */
export class BatchWriter implements Writer {
  private readonly db: Db;
  /** The SQL of the writer's batches is the database's own. */
  private readonly dialect: Dialect;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly config: Config['writer'];
  private readonly onLog?: (message: string) => void;
  private readonly onBatch?: (batch: readonly Write[], durationMs: number) => void;
  private readonly maxQueuedCommands: number;
  private readonly commandTimeoutMs: number;
  private readonly runsRetention: boolean;
  private readonly retentionHere: () => boolean;
  private readonly fencing?: WriteFencing;
  private readonly checkpoints: WalCheckpoints;

  private queue: Write[] = [];
  /** How many writes at the head of the queue are held batches that writesDrained already counted as settled. */
  private heldSettled = 0;
  private readonly tasks: Task[] = [];
  /** Submitters waiting for a command slot, oldest first. */
  private readonly admission: (() => void)[] = [];
  /** Commands queued, plus slots handed to admitted submitters that have not queued yet. */
  private commandSlots = 0;
  private pendingCommands = 0;

  private accepted = 0;
  private readonly writesSettled = new Progress();
  private commandsSubmitted = 0;
  private readonly commandsSettled = new Progress();

  private readonly dropped = Object.fromEntries(WRITE_KINDS.map((k) => [k, 0])) as Record<WriteKind, number>;
  private droppedTotal = 0;
  private written = 0;
  private skipped = 0;
  private failedBatches = 0;
  private failedWrites = 0;
  private readonly dropNotes: DropNotes;
  private readonly outage: WriteOutage;
  private notedDropAfterStop = false;

  private readonly retention: RetentionJob[];
  private loop: Promise<void> | null = null;
  private wakeLoop: (() => void) | null = null;
  private closed = false;
  private stopping: Promise<void> | null = null;
  /** Ends a wait for WAL room: stopping drains the queue whatever the WAL's size. */
  private readonly closing: Promise<void>;
  private markClosing: () => void = () => {};

  constructor(options: WriterOptions) {
    this.db = options.db;
    this.dialect = dialectOf(options.db);
    this.clock = options.clock;
    this.logger = options.logger;
    this.config = options.config;
    this.onLog = options.onLog;
    this.onBatch = options.onBatch;
    this.maxQueuedCommands = options.maxQueuedCommands ?? DEFAULT_MAX_QUEUED_COMMANDS;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.runsRetention = options.retention !== false;
    const retention = options.retention;
    this.retentionHere = typeof retention === 'function' ? retention : () => true;
    this.fencing = options.fencing;
    this.checkpoints = options.checkpoints ?? NO_CHECKPOINTS;
    this.closing = new Promise<void>((resolve) => (this.markClosing = resolve));
    this.dropNotes = new DropNotes(this.clock, (message) => this.note('warn', message));
    this.outage = new WriteOutage(
      this.clock,
      (level, message, fields) => this.note(level, message, fields),
      () => this.wake(),
    );
    this.retention = [
      { intervalMs: this.config.pruneIntervalMs, pass: () => this.pruneHistory(), timer: null, running: null },
      { intervalMs: this.config.maintenancePruneIntervalMs, pass: () => this.pruneMaintenance(), timer: null, running: null },
    ];
  }

  enqueue(write: Write): void {
    if (this.closed) return this.dropAfterStop(write.kind);
    if (this.queue.length >= this.config.queueSize) {
      this.countDrop(write.kind);
      this.dropNotes.dropped(write.kind);
      return;
    }
    this.queue.push(write);
    this.accepted++;
    this.wake();
  }

  async submit<T>(command: (tx: Tx) => Promise<T>, options: CommandOptions = {}): Promise<T> {
    if (this.closed) throw new WriterStoppedError();
    this.commandsSubmitted++;
    this.pendingCommands++;
    try {
      await this.takeCommandSlot();
      return await new Promise<T>((resolve, reject) => {
        this.tasks.push(async () => {
          this.releaseCommandSlot();
          try {
            // Writes held through an outage are still unwritten: the command would act on a database without them.
            if (this.heldSettled > 0) throw new WritesHeldError(this.outage.failing?.error ?? 'the database refuses writes');
            resolve(await this.db.$transaction(command, { timeout: options.timeoutMs ?? this.commandTimeoutMs }));
          } catch (err) {
            reject(err);
          } finally {
            this.commandsSettled.advance(1);
          }
        });
        this.wake();
      });
    } finally {
      this.pendingCommands--;
    }
  }

  get stats(): WriterStats {
    return {
      queueDepth: this.queue.length,
      dropped: { ...this.dropped },
      droppedTotal: this.droppedTotal,
      written: this.written,
      skipped: this.skipped,
      failedBatches: this.failedBatches,
      failedWrites: this.failedWrites,
      failing: this.outage.failing,
      pendingCommands: this.pendingCommands,
    };
  }

  async flush(): Promise<void> {
    // Once stopping, the loop drains everything and ends; a barrier queued after it would never run.
    if (this.closed) return this.stop();
    const barrier = new Promise<void>((resolve) => this.addTask(async () => resolve()));
    // A retention pass queues its later steps behind the barrier, so it is awaited on its own.
    const passes = this.retention.map((job) => job.running);
    await Promise.all([this.writesDrained(), this.commandsSettled.reached(this.commandsSubmitted), barrier, ...passes]);
  }

  writesDrained(): Promise<void> {
    return this.writesSettled.reached(this.accepted);
  }

  start(): void {
    if (this.loop || this.closed) return;
    this.loop = this.runLoop();
    if (!this.runsRetention) return;
    for (const job of this.retention) {
      this.queueRetention(job);
      this.armRetention(job);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.drainAndStop();
    return this.stopping;
  }

  private async drainAndStop(): Promise<void> {
    this.closed = true;
    this.markClosing();
    for (const job of this.retention) {
      if (job.timer) this.clock.clearTimeout(job.timer);
      job.timer = null;
    }
    this.outage.retryNow();
    // Stopping a writer that never started still drains what was enqueued.
    this.loop ??= this.runLoop();
    this.wake();
    await this.loop;
    await this.checkpoints.stop();
    this.dropNotes.close();
    this.logger.info({ stats: this.stats }, 'db writer stopped');
  }

  private async runLoop(): Promise<void> {
    for (;;) {
      try {
        const room = this.checkpoints.room();
        if (room) await Promise.race([room, this.closing]);
        // A task (a command, a flush) tries the held batches first, every one of them, so it does not overtake writes
        // enqueued before it: a lease renewal reloading sites without their last state change would alert them again.
        if (this.queue.length > 0 && (!this.outage.waiting || this.tasks.length > 0)) {
          do await this.writeBatch(this.takeBatch());
          while (this.tasks.length > 0 && this.heldSettled > 0 && !this.outage.waiting);
        }
        const task = this.tasks.shift();
        if (task) await task();
        this.checkpoints.written();
      } catch (err) {
        // Batches and tasks handle their own failures; this only keeps the loop alive through a bug.
        this.logger.error({ err }, 'db writer loop error');
      }
      // A held batch waiting for its retry leaves the loop idle until the retry (or a task) wakes it.
      if ((this.queue.length === 0 || this.outage.waiting) && this.tasks.length === 0) {
        if (this.closed && this.commandSlots === 0 && this.queue.length === 0) return;
        await new Promise<void>((resolve) => (this.wakeLoop = resolve));
      }
      // Lets I/O callbacks run between transactions, and lets writes arriving in this turn join the next batch.
      await yieldToEventLoop();
    }
  }

  private wake(): void {
    const wake = this.wakeLoop;
    if (wake) {
      this.wakeLoop = null;
      wake();
    }
  }

  private addTask(task: Task): void {
    this.tasks.push(task);
    this.wake();
  }

  private takeBatch(): Write[] {
    if (this.queue.length <= this.config.batchSize) {
      const batch = this.queue;
      this.queue = [];
      return batch;
    }
    return this.queue.splice(0, this.config.batchSize);
  }

  /**
   * All kinds in one transaction. If the database refuses it for a while (unavailable), the batch goes back to the
   * head of the queue for a retry; if it fails otherwise, each kind alone, so one bad kind does not take the others down.
   */
  private async writeBatch(batch: Write[]): Promise<void> {
    const startedAt = performance.now();
    const counted = Math.min(this.heldSettled, batch.length);
    this.heldSettled -= counted;
    let held = false;
    try {
      // Encoded at each attempt: in a cluster, a retry tests the leases as they are then.
      const { statements, failures, stale } = encodeBatch(batch, this.dialect, this.fencing);
      if (statements.length > 0) held = !(await this.writeStatements(batch, statements));
      if (held) return;
      this.skipped += stale;
      for (const f of failures) this.recordFailure(f.kind, f.writes, f.error);
    } finally {
      // A held batch counts as settled for writesDrained, so a caller waiting for room or order does not wait out the outage.
      this.writesSettled.advance(batch.length - counted);
      if (held) this.heldSettled += batch.length;
      else this.onBatch?.(batch, performance.now() - startedAt);
    }
  }

  /** False when the batch was held for a retry. */
  private async writeStatements(batch: Write[], statements: KindStatement[]): Promise<boolean> {
    try {
      const changes = await this.db.$transaction(statements.map((s) => this.db.$executeRawUnsafe(s.sql, ...s.args)));
      this.outage.succeeded();
      statements.forEach((s, i) => this.recordWritten(s, changes[i] ?? 0));
      return true;
    } catch (err) {
      // Stopping makes one last attempt: what still fails then is lost, and logged.
      if (isStoreUnavailable(err) && !this.closed) {
        // The queue may briefly hold a batch more than queueSize: new writes were let in while this one was out.
        this.queue = batch.concat(this.queue);
        this.outage.failed(err, this.queue.length);
        return false;
      }
      if (statements.length === 1) {
        this.recordFailure(statements[0]!.kind, statements[0]!.writes, err);
        return true;
      }
      for (const s of statements) {
        try {
          const [changed] = await this.db.$transaction([this.db.$executeRawUnsafe(s.sql, ...s.args)]);
          this.recordWritten(s, changed ?? 0);
        } catch (kindErr) {
          this.recordFailure(s.kind, s.writes, kindErr);
        }
      }
      return true;
    }
  }

  private recordWritten(s: KindStatement, changed: number): void {
    // Rollup rows are derived from the checks already counted.
    if (s.kind === 'checkRollup') return;
    this.written += changed;
    this.skipped += s.rows - changed;
  }

  private recordFailure(kind: KindStatement['kind'], writes: number, err: unknown): void {
    this.failedBatches++;
    this.failedWrites += writes;
    this.note('error', `db ${kind} write failed: ${describeError(err)}`, { err, kind, writes });
  }

  private async takeCommandSlot(): Promise<void> {
    if (this.commandSlots < this.maxQueuedCommands && this.admission.length === 0) {
      this.commandSlots++;
      return;
    }
    // The releaser hands its slot straight over, so no later submitter can slip in first.
    await new Promise<void>((resolve) => this.admission.push(resolve));
  }

  private releaseCommandSlot(): void {
    const next = this.admission.shift();
    if (next) next();
    else this.commandSlots--;
  }

  private armRetention(job: RetentionJob): void {
    job.timer = this.clock.setTimeout(() => {
      this.queueRetention(job);
      this.armRetention(job);
    }, job.intervalMs);
  }

  /**
   * Runs in the loop like everything else that touches the connection, one step per task: each step queues the next
   * behind whatever arrived meanwhile. A pass already queued or running is not doubled; stopping abandons the rest
   * of a pass, as the next start prunes again.
   */
  private queueRetention(job: RetentionJob): void {
    if (job.running || !this.retentionHere()) return;
    const steps = job.pass();
    job.running = new Promise<void>((resolve) => {
      const step: Task = async () => {
        let done = true;
        try {
          if (this.closed) await steps.return();
          else done = (await steps.next()).done === true;
        } finally {
          if (done) {
            job.running = null;
            resolve();
          } else {
            this.addTask(step);
          }
        }
      };
      this.addTask(step);
    });
  }

  private async *pruneHistory(): AsyncGenerator<void, void> {
    try {
      const deleted = yield* pruneHistory(this.db, {
        checks: this.config.retainChecks,
        stateChanges: this.config.retainStateChanges,
        logs: this.config.retainLogs,
      });
      const now = this.clock.nowMs();
      const keep = this.config.retainRollupsMs;
      const cutoffs = Object.entries(ROLLUP_LEVELS).map(([level, width]) => ({ width, before: new Date(now - keep[level as RollupLevel]) }));
      const rollups = yield* pruneRollups(this.db, cutoffs);
      this.logger.debug({ deleted, rollups }, 'pruned check history, state changes, logs and rollups');
    } catch (err) {
      this.note('error', `db history prune failed: ${describeError(err)}`, { err });
    }
  }

  // One step: the tables are small. A generator all the same, so both retention jobs run the same way.
  // biome-ignore lint/correctness/useYield: a job of one step yields nothing between steps
  private async *pruneMaintenance(): AsyncGenerator<void, void> {
    try {
      const cutoff = new Date(this.clock.nowMs() - this.config.maintenanceRetentionMs);
      const deleted = await pruneEndedMaintenance(this.db, cutoff);
      const sessions = await deleteExpiredSessions(this.db, this.clock.now());
      const apiTokens = await deleteExpiredApiTokens(this.db, this.clock.now());
      const probeNodes = await deleteSilentNodes(this.db, this.clock.now());
      this.logger.debug(
        { deleted, sessions, apiTokens, probeNodes, cutoff },
        'pruned ended maintenance windows, expired sessions, long-expired API tokens and long-silent probe nodes',
      );
    } catch (err) {
      this.note('error', `db maintenance prune failed: ${describeError(err)}`, { err });
    }
  }

  private countDrop(kind: WriteKind): void {
    this.dropped[kind]++;
    this.droppedTotal++;
  }

  /** The engine stops before the writer, so this is a shutdown-order bug: counted, and noted once. */
  private dropAfterStop(kind: WriteKind): void {
    this.countDrop(kind);
    if (this.notedDropAfterStop) return;
    this.notedDropAfterStop = true;
    this.note('warn', `db writer stopped, dropped ${kind}`);
  }

  private note(level: 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
    this.logger[level](fields, message);
    try {
      this.onLog?.(message);
    } catch (err) {
      this.logger.error({ err }, 'writer onLog callback failed');
    }
  }
}
