import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { MaintenanceTimer } from './maintenance-timer.ts';
import { nextPushEvaluation } from './push.ts';
import { freshAfterWindow, heldAlertDueAt, type SaveRuntime } from './push-windows.ts';
import type { SiteEntry, SiteRegistry } from './registry.ts';
import { Scheduler } from './scheduler.ts';
import type { EngineSite } from './sites.ts';

export const MIN_INTERVAL_S = 5;
/** The first checks after start are spread over the interval, up to this much, so a restart is not a burst. */
export const MAX_START_STAGGER_MS = 30_000;

export interface SiteLoopOptions {
  clock: Clock;
  concurrency: number;
  sites: SiteRegistry;
  logger: Logger;
  /** Uniform in [0, 1), for the start stagger and the interval jitter. */
  random: () => number;
  /** Started, not stopped, active, and the site is this instance's: nothing is rescheduled otherwise. */
  checking: (siteId: number) => boolean;
  maintenance: Pick<MaintenanceTimer, 'coversSite'>;
  /** Persists what a window's end changes of a push monitor's state (push-windows.ts). */
  saveRuntime: SaveRuntime;
  /** One run of the site: an outbound check, a push deadline or a group verdict (see SiteRuns). */
  run: (siteId: number) => Promise<void> | void;
  onCheckStarted?: (siteId: number, lateMs: number) => void;
}

/**
 * Starts a fresh period: the deadlines count from now, or from a later beat. For when the silence before now was not
 * the job's to answer for under the rule that judges it now: uptop was not taking beats (a start, a handover, a
 * suspend), the monitor was paused, or its interval or retries were edited.
 */
export function startPushPeriod(entry: SiteEntry, nowMs: number): void {
  entry.pushFromMs = Math.max(entry.pushFromMs, nowMs);
}

/** A beat in the future (the clock stepped back) counts as now, so the monitor is not frozen until the clock catches up. */
export function pushFrom(entry: SiteEntry, nowMs: number): number {
  if (entry.pushFromMs > nowMs) entry.pushFromMs = nowMs;
  return entry.pushFromMs;
}

function intervalMs(site: EngineSite): number {
  return Math.max(site.interval, MIN_INTERVAL_S) * 1000;
}

/**
 * Milliseconds to a push monitor's next deadline, or null when none is due (not beaten yet, or DOWN with nothing
 * left to tell): a DOWN held back for a fresh period after a window is told at that period's deadline.
 */
function pushDelay(entry: SiteEntry, nowMs: number): number | null {
  const at = nextPushEvaluation(entry.state, entry.site, pushFrom(entry, nowMs), nowMs) ?? heldAlertDueAt(entry);
  return at === null ? null : Math.max(at, nowMs) - nowMs;
}

/** When each site runs next: the interval with jitter, a push monitor's deadline, a staggered start. */
export class SiteLoop extends Scheduler {
  constructor(private readonly options: SiteLoopOptions) {
    const { clock, sites } = options;
    super(clock, options.concurrency, {
      run: options.run,
      inline: (id) => {
        const type = sites.get(id)?.site.type;
        return type === 'PUSH' || type === 'GROUP';
      },
      // After a run: the interval plus up to 10 % jitter; push monitors wake at their next deadline instead.
      nextDelay: (id) => {
        const entry = sites.get(id);
        if (!entry || entry.site.paused || !options.checking(id)) return null;
        if (entry.site.type === 'PUSH') return pushDelay(entry, clock.nowMs());
        const interval = intervalMs(entry.site);
        return interval + options.random() * interval * 0.1;
      },
      onStart: options.onCheckStarted,
      onError: (siteId, err) => options.logger.error({ err, siteId }, 'check run failed'),
    });
  }

  /** Schedules every unpaused site this instance checks, the first checks staggered; `each` sees every site scheduled. */
  scheduleAll(each: (entry: SiteEntry) => void): void {
    const { sites, random, checking } = this.options;
    for (const entry of sites.values()) {
      if (entry.site.paused || !checking(entry.site.id)) continue;
      if (entry.site.type === 'PUSH') this.beginJudging(entry);
      else this.schedule(entry.site.id, random() * Math.min(intervalMs(entry.site), MAX_START_STAGGER_MS));
      each(entry);
    }
  }

  /**
   * A push monitor this engine begins to judge (at start, once active, or taken over from another instance): beats sent
   * while it did not were refused, not missed, so a fresh period starts. What a window saw of the monitor, as the
   * engine before saved it, decides as at the window's end if the window is over: a DOWN it excused waits for this
   * period's deadline instead of being paged at once.
   */
  beginJudging(entry: SiteEntry): void {
    const { clock, maintenance, saveRuntime } = this.options;
    startPushPeriod(entry, clock.nowMs());
    freshAfterWindow(entry, maintenance.coversSite(entry.site), saveRuntime);
    this.schedulePush(entry);
  }

  /** A maintenance window may have stopped covering the site: a push monitor silent through it starts a fresh period. */
  windowMayHaveEnded(entry: SiteEntry): void {
    const { clock, maintenance, checking, saveRuntime } = this.options;
    if (!checking(entry.site.id) || !freshAfterWindow(entry, maintenance.coversSite(entry.site), saveRuntime)) return;
    startPushPeriod(entry, clock.nowMs());
    this.schedulePush(entry);
  }

  /** Arms a push monitor for its next deadline, or leaves it idle until a beat when none is due. */
  schedulePush(entry: SiteEntry): void {
    const delay = pushDelay(entry, this.options.clock.nowMs());
    if (delay === null) this.cancel(entry.site.id);
    else this.schedule(entry.site.id, delay);
  }
}
