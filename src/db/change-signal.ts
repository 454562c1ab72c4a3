import { z } from 'zod';
import type { AccessEnd } from '../auth/access-watch.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Tx } from '../writer/types.ts';
import type { Db } from './client.ts';
import { dialectOf, statement } from './dialect.ts';

/**
 * How a process without the engine (the `uptop` command) tells a server running on the same database that it changed
 * something: one `Preference` row holding a sequence number and the latest changes, written in the same transaction
 * as the change, so a committed change is always announced. The server reads the row by its primary key every second
 * and applies what is new (see ChangeWatcher).
 */
export const CHANGE_SIGNAL_KEY = 'uptop.changes';
export const CHANGE_POLL_INTERVAL_MS = 1000;
/** Changes the row keeps: a server polling every second misses one only if more than this many commit in a second. */
export const KEPT_CHANGES = 100;

const change = z.discriminatedUnion('what', [
  /** Sites, alert channels, their links or maintenance windows. */
  z.object({ what: z.literal('config') }),
  /** Users, their passwords or tokens; `access` says whether their open subscriptions end (as the API's changes do). */
  z.object({ what: z.literal('users'), userIds: z.array(z.number().int()), access: z.enum(['ended', 'changed']).nullable() }),
  /** An import replaced the whole database; `userIds` are the users it replaced, whose access ends. */
  z.object({ what: z.literal('everything'), userIds: z.array(z.number().int()) }),
]);
export type Change = z.infer<typeof change>;

const signal = z.object({ seq: z.number().int(), changes: z.array(z.intersection(change, z.object({ seq: z.number().int() }))) });
type Signal = z.infer<typeof signal>;

const EMPTY: Signal = { seq: 0, changes: [] };

/** The row's value; a missing or unreadable one reads as sequence 0, so that the next bump still moves it. */
function parseSignal(value: string | undefined): Signal {
  if (value === undefined) return EMPTY;
  try {
    return signal.parse(JSON.parse(value));
  } catch {
    return EMPTY;
  }
}

const READ_SIGNAL = statement((d) => `SELECT "value" FROM "Preference" WHERE "key" = ?${d.lockForUpdate}`);

/** Announces `what` as part of the transaction `tx`; returns the new sequence number. */
export async function bumpChangeSignal(tx: Tx, what: Change): Promise<number> {
  // A write first, so the transaction holds SQLite's write lock (waiting the busy timeout for it) before it reads: a
  // read first would begin a snapshot that a server's commit could make stale, and SQLite fails such an upgrade at once.
  // On PostgreSQL the insert locks nothing when the row exists, so the read locks it: two announcements in flight take
  // turns instead of both numbering from the same value.
  await tx.$executeRaw`INSERT INTO "Preference" ("key", "value") VALUES (${CHANGE_SIGNAL_KEY}, ${JSON.stringify(EMPTY)}) ON CONFLICT ("key") DO NOTHING`;
  const [row] = await tx.$queryRawUnsafe<{ value: string }[]>(READ_SIGNAL[dialectOf(tx).provider], CHANGE_SIGNAL_KEY);
  const current = parseSignal(row?.value);
  const seq = current.seq + 1;
  const next: Signal = { seq, changes: [...current.changes, { ...what, seq }].slice(-KEPT_CHANGES) };
  await tx.preference.update({ where: { key: CHANGE_SIGNAL_KEY }, data: { value: JSON.stringify(next) } });
  return seq;
}

/** What a poll found since the last: the changes in order, and whether some were missed (dropped from the row, or a reset). */
export interface NewChanges {
  changes: Change[];
  missed: boolean;
}

export interface ChangeWatcherOptions {
  /** The reading connection. */
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Applies what another process changed; awaited before the next poll is armed. */
  apply: (news: NewChanges) => Promise<void>;
  intervalMs?: number;
}

/** Polls the change signal on the injected clock and hands every new change to `apply`, in order. */
export class ChangeWatcher {
  private seq = 0;
  private raw: string | undefined;
  private timer: TimerHandle | null = null;
  private inFlight: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: ChangeWatcherOptions) {}

  /** Takes the current value as seen (what it announced is in the database the server is about to load), then polls. */
  async start(): Promise<void> {
    const row = await this.read();
    this.raw = row;
    this.seq = parseSignal(row).seq;
    this.arm();
  }

  /** Ends polling; resolves once a poll in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  /** Resolves once the poll in progress, if any, has applied what it found (tests). */
  async idle(): Promise<void> {
    await this.inFlight;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      this.inFlight = this.poll()
        .catch((err: unknown) => this.options.logger.error({ err }, 'could not read or apply the change signal; trying again'))
        .finally(() => {
          this.inFlight = null;
          this.arm();
        });
    }, this.options.intervalMs ?? CHANGE_POLL_INTERVAL_MS);
  }

  private async poll(): Promise<void> {
    const raw = await this.read();
    // The value is compared as text first: nothing to parse on the usual poll, when nothing changed.
    if (raw === this.raw || this.stopped) return;
    const current = parseSignal(raw);
    // A signal that went back (its row deleted or rewritten) starts over: all it holds is new, and some may be lost.
    const reset = current.seq < this.seq;
    const fresh = reset ? current.changes : current.changes.filter((c) => c.seq > this.seq);
    const missed = reset || (fresh[0]?.seq ?? current.seq + 1) !== this.seq + 1;
    if (missed)
      this.options.logger.warn(
        { seen: this.seq, now: current.seq },
        'changes made by another process were missed: reloading the engine; a missed user change takes effect when the viewer cache expires (30 s)',
      );
    await this.options.apply({ changes: fresh.map(({ seq: _seq, ...rest }) => rest as Change), missed });
    this.raw = raw;
    this.seq = current.seq;
  }

  private async read(): Promise<string | undefined> {
    const row = await this.options.db.preference.findUnique({ where: { key: CHANGE_SIGNAL_KEY } });
    return row?.value;
  }
}

/** What a server does with changes: the engine reconciles (or reloads after an import), user caches are dropped. */
export function changeHandler(targets: {
  reconcile: () => Promise<void>;
  reload: () => Promise<void>;
  userChanged: (userId: number, access: AccessEnd | null) => void;
}): (news: NewChanges) => Promise<void> {
  return async ({ changes, missed }) => {
    for (const c of changes) {
      if (c.what !== 'config') for (const id of c.userIds) targets.userChanged(id, c.what === 'everything' ? 'ended' : c.access);
    }
    if (missed || changes.some((c) => c.what === 'everything')) await targets.reload();
    else if (changes.some((c) => c.what === 'config')) await targets.reconcile();
  };
}
