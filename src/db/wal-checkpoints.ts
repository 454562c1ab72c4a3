import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Clock, TimerHandle } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Db } from './client.ts';
import { describeError } from './describe-error.ts';
import type { SqliteTarget } from './url.ts';

/**
 * What the writer asks of the WAL after each transaction. SQLite would otherwise checkpoint inside the COMMIT that
 * passes `wal_autocheckpoint`, on the event loop, for as long as copying the WAL takes.
 */
export interface WalCheckpoints {
  /** After a transaction: checkpoints off the event loop when the WAL has grown past its threshold. */
  written(): void;
  /** Null while the writer may go on; else settles once the WAL is back within its limit, or the pause has lasted too long. */
  room(): Promise<void> | null;
  /** Empties the WAL once the writer has stopped, giving up after a while; then ends the thread. */
  stop(): Promise<void>;
}

/** PostgreSQL, a journal mode other than WAL, or a client nobody checkpoints for: SQLite's own checkpoints stand. */
export const NO_CHECKPOINTS: WalCheckpoints = { written: () => {}, room: () => null, stop: async () => {} };

export interface WalCheckpointOptions {
  /** A PASSIVE checkpoint runs once the -wal file is larger (SQLite's own default is about as much: 1000 pages). */
  thresholdBytes: number;
  /** Past this the writer pauses until a TRUNCATE checkpoint has emptied the file, or for maxPauseMs at most. */
  limitBytes: number;
  /**
   * The longest that pause lasts. A reader may hold the WAL for good (Litestream keeps a read transaction open so that
   * nothing is checkpointed before it has copied it): writes then go on with the WAL past its limit, unpaused until
   * the TRUNCATE, still retried, has emptied it. A monitor that stops recording checks is worse off than a large WAL.
   */
  maxPauseMs: number;
  /** How soon a TRUNCATE that readers refused is tried again. */
  retryMs: number;
  /** The longest stop() waits for the last checkpoint. */
  stopTimeoutMs: number;
  /** How long a TRUNCATE checkpoint waits, on its thread, for the writer lock and for readers to leave the WAL. */
  busyTimeoutMs: number;
  /** Worker starts in a row that may fail before checkpoints go back to SQLite's own, inside the COMMIT. */
  maxWorkerFailures: number;
  /** The worker's module; tests give one that fails. */
  workerScript: URL;
}

export const DEFAULT_WAL_CHECKPOINTS: WalCheckpointOptions = {
  thresholdBytes: 4 * 2 ** 20,
  limitBytes: 64 * 2 ** 20,
  maxPauseMs: 5_000,
  retryMs: 1_000,
  stopTimeoutMs: 5_000,
  busyTimeoutMs: 1_000,
  maxWorkerFailures: 3,
  workerScript: new URL('./wal-checkpoint-worker.mjs', import.meta.url),
};

type Mode = 'PASSIVE' | 'TRUNCATE';

/** What the thread is asked: the checkpoint, and how long it may wait for the writer lock and for readers. */
interface CheckpointRequest {
  mode: Mode;
  busyTimeoutMs: number;
}

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

interface WorkerReply {
  result?: CheckpointResult;
  error?: { message: string; code?: string };
}

/**
 * Takes the writer's connection off automatic checkpoints, when the file is in WAL mode, and checkpoints for it.
 * `journal_size_limit` makes the first COMMIT after a completed checkpoint cut the -wal file back to the threshold,
 * so PASSIVE checkpoints are enough to keep it small while no reader pins the WAL.
 */
export async function startWalCheckpoints(
  target: SqliteTarget,
  writeDb: Db,
  deps: { clock: Clock; logger: Logger },
  options: Partial<WalCheckpointOptions> = {},
): Promise<WalCheckpoints> {
  if (target.journalMode !== 'WAL') return NO_CHECKPOINTS;
  const settings = { ...DEFAULT_WAL_CHECKPOINTS, ...options };
  await writeDb.$queryRawUnsafe('PRAGMA wal_autocheckpoint = 0');
  await writeDb.$queryRawUnsafe(`PRAGMA journal_size_limit = ${settings.thresholdBytes}`);
  // SQLite's default again, should the thread keep failing: a checkpoint on the event loop beats none.
  const fallBack = async () => {
    await writeDb.$queryRawUnsafe('PRAGMA wal_autocheckpoint = 1000');
  };
  return new WalCheckpointer(target.file, deps, settings, fallBack);
}

/**
 * Checkpoints on a worker thread with its own connection, one at a time. The thread starts on the first checkpoint,
 * so a writer whose WAL stays small never pays for it.
 */
export class WalCheckpointer implements WalCheckpoints {
  private readonly walFile: string;
  private worker: Worker | null = null;
  private failures = 0;
  private fallenBack = false;
  /** The checkpoint the worker is running, and what to do with its outcome. */
  private running: { request: CheckpointRequest; settle: (reply: WorkerReply) => void } | null = null;
  /** A checkpoint asked for while another ran: the stronger of the modes asked runs next. */
  private next: Mode | null = null;
  private paused: { promise: Promise<void>; resume: () => void; bound: TimerHandle } | null = null;
  /** The pause gave up on a reader: writes go on past the limit, no pause, until a retried TRUNCATE empties the WAL. */
  private overrun: { largestBytes: number } | null = null;
  private retry: TimerHandle | null = null;
  /** The -wal file's size when last read, what a failed read goes on with. */
  private lastWalBytes = 0;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly file: string,
    private readonly deps: { clock: Clock; logger: Logger },
    private readonly options: WalCheckpointOptions,
    private readonly fallBack: () => Promise<void>,
  ) {
    this.walFile = `${file}-wal`;
  }

  written(): void {
    // Past the limit without pausing, the retry timer alone asks for checkpoints: not one per write.
    if (this.stopping || this.fallenBack || this.overrun) return;
    const size = this.walSize();
    if (size > this.options.limitBytes) {
      this.pause(size);
      this.request('TRUNCATE');
    } else if (size > this.options.thresholdBytes) {
      this.request('PASSIVE');
    }
  }

  room(): Promise<void> | null {
    return this.paused?.promise ?? null;
  }

  stop(): Promise<void> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<void> {
    if (this.retry) this.deps.clock.clearTimeout(this.retry);
    this.resume();
    // No thread means the WAL never passed the threshold: closing the last connection checkpoints that little.
    if (!this.worker) return;
    let timer: TimerHandle | null = null;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = this.deps.clock.setTimeout(() => resolve('timeout'), this.options.stopTimeoutMs);
    });
    const done = (async () => {
      await this.idle();
      return this.checkpoint({ mode: 'TRUNCATE', busyTimeoutMs: this.options.busyTimeoutMs });
    })();
    const outcome = await Promise.race([done, gaveUp]);
    if (timer) this.deps.clock.clearTimeout(timer);
    if (outcome === 'timeout') {
      this.deps.logger.warn(
        { file: this.file, waitedMs: this.options.stopTimeoutMs },
        'the last WAL checkpoint did not finish in time; the connections left check it when they close',
      );
    } else if (outcome.result?.busy === 1) {
      this.deps.logger.warn({ file: this.file, walBytes: this.walSize() }, 'a reader held the WAL at stop; it is checkpointed when the last connection closes');
    }
    this.endWorker(outcome === 'timeout');
  }

  /** Settles once no checkpoint runs. */
  private async idle(): Promise<void> {
    while (this.running) await new Promise<void>((resolve) => this.afterCurrent(resolve));
  }

  private afterCurrent(fn: () => void): void {
    const current = this.running;
    if (!current) return fn();
    const settle = current.settle;
    current.settle = (reply) => {
      settle(reply);
      fn();
    };
  }

  private request(mode: Mode): void {
    if (this.running) {
      if (mode === 'TRUNCATE' && this.running.request.mode !== 'TRUNCATE') this.next = mode;
      return;
    }
    // While writes go on past the limit, a TRUNCATE must not wait for readers: it holds the writer lock meanwhile, and
    // the writer's synchronous connection would wait for it on the event loop.
    const busyTimeoutMs = this.overrun ? 0 : this.options.busyTimeoutMs;
    this.checkpoint({ mode, busyTimeoutMs })
      .then((reply) => this.afterCheckpoint(reply))
      .catch((err: unknown) => this.deps.logger.error({ err, file: this.file }, `WAL checkpoint failed: ${describeError(err)}`));
  }

  private afterCheckpoint(reply: WorkerReply): void {
    if (this.stopping || this.fallenBack) return;
    if (reply.error) this.deps.logger.warn({ file: this.file, error: reply.error.message }, 'WAL checkpoint failed; the next write tries again');
    const next = this.next;
    this.next = null;
    if (this.paused || this.overrun) {
      const size = this.walSize();
      if (size <= this.options.limitBytes) {
        this.backWithinLimit(size);
      } else if (next === null) {
        this.refused(size);
        this.retry = this.deps.clock.setTimeout(() => {
          this.retry = null;
          // The size a retry finds is the one it may empty: the largest of them is how far the WAL grew.
          if (this.overrun) this.overrun.largestBytes = Math.max(this.overrun.largestBytes, this.walSize());
          this.request('TRUNCATE');
        }, this.options.retryMs);
        return;
      }
    }
    if (next) this.request(next);
  }

  private backWithinLimit(size: number): void {
    if (this.overrun) {
      this.deps.logger.info(
        { file: this.file, walBytes: size, largestBytes: this.overrun.largestBytes, limitBytes: this.options.limitBytes },
        'the WAL is back within its limit: writes pause again should it pass it',
      );
      this.overrun = null;
    } else {
      this.deps.logger.info({ file: this.file }, 'WAL checkpointed: writes resume');
      this.resume();
    }
  }

  /** A TRUNCATE refused: said at each retry of a pause, which is short, and only at debug level once writes go on. */
  private refused(size: number): void {
    const fields = { file: this.file, walBytes: size, retryMs: this.options.retryMs };
    if (this.overrun) this.deps.logger.debug(fields, 'a reader still holds the WAL: its TRUNCATE checkpoint is retried');
    else this.deps.logger.warn(fields, 'a reader holds the WAL: its TRUNCATE checkpoint is tried again later');
  }

  /** One checkpoint on the thread, which is started (again) when needed. Never rejects. */
  private checkpoint(request: CheckpointRequest): Promise<WorkerReply> {
    if (this.fallenBack) return Promise.resolve({});
    return new Promise<WorkerReply>((settle) => {
      this.running = { request, settle };
      this.ensureWorker().postMessage(request);
      this.holdProcess();
    });
  }

  private settle(reply: WorkerReply): void {
    const current = this.running;
    this.running = null;
    this.holdProcess();
    current?.settle(reply);
  }

  /**
   * An idle thread must not keep a process alive, but a command's process (whose clock timers do not either) must not
   * end while the thread works for it or the writer waits for the WAL to be emptied.
   */
  private holdProcess(): void {
    if (this.running || this.paused) this.worker?.ref();
    else this.worker?.unref();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // execArgv [] keeps the parent's loader (tsx under bin/uptop.js) out of a thread that runs plain JavaScript.
    const worker = new Worker(this.options.workerScript, {
      workerData: { file: this.file },
      execArgv: [],
    });
    worker.on('message', (reply: WorkerReply) => {
      if (reply.result) this.failures = 0;
      this.settle(reply);
    });
    worker.on('error', (err) => this.deps.logger.error({ err, file: this.file }, `WAL checkpoint thread failed: ${describeError(err)}`));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.workerDied(code);
    });
    this.worker = worker;
    this.holdProcess();
    return worker;
  }

  /** The thread ended on its own: the checkpoint it ran is tried on a new one, or by SQLite's own once that keeps failing. */
  private workerDied(code: number): void {
    this.worker = null;
    this.failures++;
    const current = this.running;
    if (this.failures < this.options.maxWorkerFailures && current && !this.stopping) {
      this.deps.logger.warn({ file: this.file, code, failures: this.failures }, 'WAL checkpoint thread exited; starting another');
      this.ensureWorker().postMessage(current.request);
      return;
    }
    if (this.failures >= this.options.maxWorkerFailures && !this.fallenBack) {
      this.fallenBack = true;
      this.deps.logger.error(
        { file: this.file, code, failures: this.failures },
        'WAL checkpoint thread keeps failing; SQLite checkpoints inside the COMMIT again, on the event loop',
      );
      this.resume();
      this.fallBack().catch((err: unknown) =>
        this.deps.logger.error({ err, file: this.file }, `could not restore automatic WAL checkpoints: ${describeError(err)}`),
      );
    }
    this.settle({ error: { message: `checkpoint thread exited with code ${code}` } });
  }

  /** Ends the thread: it closes its connection, or, when it is stuck in a checkpoint, it is terminated unawaited. */
  private endWorker(stuck: boolean): void {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    if (stuck) {
      worker.unref();
      worker.terminate().catch((err: unknown) => this.deps.logger.error({ err }, 'could not end the WAL checkpoint thread'));
    } else {
      worker.postMessage({ close: true });
    }
  }

  private pause(size: number): void {
    if (this.paused) return;
    let resume = () => {};
    const promise = new Promise<void>((resolve) => (resume = resolve));
    const bound = this.deps.clock.setTimeout(() => this.giveUp(), this.options.maxPauseMs);
    this.paused = { promise, resume, bound };
    this.holdProcess();
    this.deps.logger.info(
      { file: this.file, walBytes: size, limitBytes: this.options.limitBytes },
      'the WAL passed its limit: writes wait for a TRUNCATE checkpoint to empty it',
    );
  }

  /**
   * The pause has lasted maxPauseMs: writes resume, once a TRUNCATE that may be waiting on its thread has given up, as
   * that one holds the writer lock. The retries go on, and the writer pauses no more until one empties the WAL.
   */
  private giveUp(): void {
    const size = this.walSize();
    this.overrun = { largestBytes: size };
    this.deps.logger.warn(
      { file: this.file, walBytes: size, limitBytes: this.options.limitBytes, waitedMs: this.options.maxPauseMs, retryMs: this.options.retryMs },
      'a reader keeps the WAL from being emptied: writes go on without waiting, and its TRUNCATE checkpoint is retried',
    );
    this.afterCurrent(() => this.resume());
  }

  private resume(): void {
    if (this.paused) this.deps.clock.clearTimeout(this.paused.bound);
    this.paused?.resume();
    this.paused = null;
    this.holdProcess();
  }

  /**
   * Never throws: it runs in timers (the retry, the pause's bound), where a throw would end the process. A size that
   * cannot be read (EIO, EACCES) is taken as the last one read, so a pause still ends at its bound and retries go on.
   */
  private walSize(): number {
    try {
      this.lastWalBytes = fs.statSync(this.walFile).size;
    } catch (err) {
      // No -wal file yet (or no more): nothing to checkpoint.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.lastWalBytes = 0;
      else this.deps.logger.warn({ err, file: this.walFile, walBytes: this.lastWalBytes }, `the WAL's size cannot be read: ${describeError(err)}`);
    }
    return this.lastWalBytes;
  }
}
