import type { Clock, TimerHandle } from '../clock.ts';
import type { Db } from '../db/client.ts';
import { MaintenanceIndex } from './maintenance.ts';

export interface MaintenanceTimerOptions {
  db: Db;
  clock: Clock;
  log: (message: string, siteId: number | null) => void;
  /** A window began or ended: whatever depends on maintenance looks again (then calls arm). */
  onBoundary: () => void;
}

/** The maintenance windows that have not ended, and the timer that fires at the next start or end of one. */
export class MaintenanceTimer {
  private index = new MaintenanceIndex([]);
  /** The window rows behind `index`, serialized (see reload). */
  private key = '[]';
  private timer: TimerHandle | null = null;
  private stopped = false;
  /** Reads begun, and the latest of them whose answer is indexed (see reload). */
  private readsBegun = 0;
  private readIndexed = 0;

  constructor(private readonly options: MaintenanceTimerOptions) {}

  /** A maintenance-type window covers the site at `nowMs` (global, direct, or on its group). */
  covers(siteId: number, parentId: number | null, nowMs = this.options.clock.nowMs()): boolean {
    return this.index.covers(siteId, parentId, nowMs);
  }

  coversSite(site: { id: number; parentId: number | null }): boolean {
    return this.covers(site.id, site.parentId);
  }

  /**
   * Reads the windows that have not ended; answers whether they differ from those indexed. An unchanged set keeps its
   * index, so a reconcile neither recounts every site nor logs an ignored window again.
   */
  async reload(): Promise<boolean> {
    const read = ++this.readsBegun;
    const now = this.options.clock.now();
    const rows = await this.options.db.maintenanceWindow.findMany({
      where: { OR: [{ endsAt: null }, { endsAt: { gt: now } }] },
      select: { id: true, type: true, siteId: true, startsAt: true, endsAt: true, recurrence: true, durationMinutes: true, timezone: true },
      orderBy: { id: 'asc' },
    });
    // A pool may answer reads out of order: one begun before the read indexed saw older rows, such as a window deleted
    // since, which would cover sites again and re-arm the timer for its old end.
    if (read < this.readIndexed) return false;
    this.readIndexed = read;
    const key = JSON.stringify(rows);
    if (key === this.key) return false;
    this.key = key;
    this.index = new MaintenanceIndex(rows, (w, err) => this.options.log(`Maintenance window ${w.id} is ignored: ${err.message}`, w.siteId));
    return true;
  }

  /** (Re)arms the timer for the next boundary of the windows indexed. */
  arm(): void {
    this.disarm();
    if (this.stopped) return;
    const { clock } = this.options;
    const nowMs = clock.nowMs();
    const next = this.index.nextChange(nowMs);
    if (!Number.isFinite(next)) return;
    this.timer = clock.setTimeout(
      () => {
        this.timer = null;
        this.options.onBoundary();
      },
      Math.max(0, next - nowMs),
    );
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private disarm(): void {
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
