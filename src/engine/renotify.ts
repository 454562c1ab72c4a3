import type { AlertDispatcher } from '../alerts/dispatcher.ts';
import type { Clock } from '../clock.ts';
import { OUTAGE_CLOSED, type IncidentKeyOf, siteAlert } from './incident-keys.ts';
import { KeyedTimers } from './keyed-timers.ts';
import type { MaintenanceTimer } from './maintenance-timer.ts';
import { alertWaits, heldAlertDueAt } from './push-windows.ts';
import type { SiteEntry, SiteRegistry } from './registry.ts';
import { downMessage, formatDurationShort, isBroken, TITLE_DOWN, TITLE_RECOVERY } from './state-machine.ts';
import type { TransitionEffects } from './transition-effects.ts';

export interface RenotifierOptions {
  clock: Clock;
  sites: SiteRegistry;
  dispatcher: AlertDispatcher;
  incidentKeyOf: IncidentKeyOf;
  log: (message: string, siteId: number | null) => void;
  /** Records the alert time in the site's runtime snapshot. */
  effects: Pick<TransitionEffects, 'saveRuntime'>;
  /** Started, not stopped, and active. */
  checking: (siteId: number) => boolean;
  maintenance: Pick<MaintenanceTimer, 'coversSite'>;
}

/** While broken and not paused, a site with renotifyMinutes > 0 and channels gets its DOWN alert again every N minutes. */
export class Renotifier {
  private readonly timers: KeyedTimers;

  constructor(private readonly options: RenotifierOptions) {
    this.timers = new KeyedTimers(options.clock);
  }

  /** Sets or clears the site's reminder after a change; it counts from its last alert, its last change or `fromMs`. */
  arm(entry: SiteEntry, fromMs?: number): void {
    const { site, state } = entry;
    if (!this.options.checking(site.id) || site.paused || site.renotifyMinutes <= 0 || site.channelIds.length === 0 || !isBroken(state.status)) {
      this.timers.clear(site.id);
      return;
    }
    const nowMs = this.options.clock.nowMs();
    // A time stored in the future (clock stepped back) counts as now, or the reminder would wait for the clock.
    const base = Math.min(fromMs ?? (state.lastAlertAt ?? state.statusChangedAt)?.getTime() ?? nowMs, nowMs);
    const at = base + site.renotifyMinutes * 60_000;
    this.timers.set(site.id, at - nowMs, () => this.renotify(site.id));
  }

  clear(siteId: number): void {
    this.timers.clear(siteId);
  }

  clearAll(): void {
    this.timers.clearAll();
  }

  /**
   * A broken site whose DOWN alert was held back (by maintenance, or a pause) and not sent since gets it once nothing
   * silences it: no transition would send it, as DOWN → DOWN never alerts and a DOWN push monitor is not judged again,
   * so an outage that outlasts its window would otherwise never be told. Likewise a site that recovered while silenced
   * after its outage was told gets the recovery it owes (see recoveryOwed), which closes that outage's incident.
   */
  alertHeldBack(entry: SiteEntry): void {
    const { site, state } = entry;
    const broken = isBroken(state.status);
    if (broken === (state.lastAlertAt !== null) || site.paused || site.channelIds.length === 0) return;
    if (!this.options.checking(site.id) || this.options.maintenance.coversSite(site)) return;
    if (alertWaits(entry, this.options.clock.nowMs())) return;
    if (!broken) this.sendRecovery(entry);
    // The deadline of the fresh period after a window passed: to its receivers the outage begins now.
    else if (heldAlertDueAt(entry) !== null)
      this.send(entry, `Push Monitor '${site.name}' missed its heartbeat after a maintenance window: DOWN alert sent`, false);
    else this.send(entry, `Monitor '${site.name}' is still DOWN: the alert held back is sent now`);
  }

  private renotify(siteId: number): void {
    const { sites, clock, log } = this.options;
    const entry = sites.get(siteId);
    if (!entry || !isBroken(entry.state.status) || entry.site.paused || !this.options.checking(siteId)) return;
    // Its first alert, the fresh period's DOWN, is no reminder: sent when due (it arms the reminders), never before.
    if (heldAlertDueAt(entry) !== null) {
      this.alertHeldBack(entry);
      return;
    }
    const { site } = entry;
    if (this.options.maintenance.coversSite(site)) {
      log(`Re-notification for '${site.name}' suppressed (maintenance)`, siteId);
      this.arm(entry, clock.nowMs());
      return;
    }
    this.send(entry, `Monitor '${site.name}' is still DOWN: re-notification sent`);
  }

  private sendRecovery(entry: SiteEntry): void {
    const { site, state } = entry;
    const now = this.options.clock.now();
    this.options.dispatcher.dispatch(
      site.channelIds,
      siteAlert(this.options.incidentKeyOf, entry, {
        event: 'up',
        title: TITLE_RECOVERY,
        message: `Monitor '${site.name}' is UP (it recovered while its alerts were held back)`,
        timestamp: now,
      }),
    );
    entry.state = { ...state, ...OUTAGE_CLOSED };
    this.options.effects.saveRuntime(entry, now);
    this.options.log(`Monitor '${site.name}' is UP: the recovery held back is sent now`, site.id);
  }

  /** The DOWN alert, again saying for how long unless `sayHowLong` is false; the next reminder counts from it. */
  private send(entry: SiteEntry, logMessage: string, sayHowLong = true): void {
    const { clock, log } = this.options;
    const { site, state } = entry;
    const siteId = site.id;
    const now = clock.now();
    const downFor = sayHowLong && state.statusChangedAt ? ` (still down after ${formatDurationShort(now.getTime() - state.statusChangedAt.getTime())})` : '';
    this.options.dispatcher.dispatch(
      site.channelIds,
      siteAlert(this.options.incidentKeyOf, entry, {
        event: 'down',
        title: TITLE_DOWN,
        message: downMessage(site, state.status, state.lastError) + downFor,
        timestamp: now,
      }),
    );
    entry.state = { ...state, lastAlertAt: now };
    this.options.effects.saveRuntime(entry, now);
    log(logMessage, siteId);
    this.arm(entry);
  }
}
