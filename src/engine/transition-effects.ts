import type { AlertDispatcher } from '../alerts/dispatcher.ts';
import type { Clock } from '../clock.ts';
import type { Write, Writer } from '../writer/types.ts';
import { LATE_CHECK_MS, type AppPubSub } from './events.ts';
import type { IncidentKeyOf } from './incident-keys.ts';
import { changesDurableState, runtimeStateWrite } from './live-state.ts';
import type { MaintenanceTimer } from './maintenance-timer.ts';
import type { RecentResults } from './recent-results.ts';
import type { SiteEntry } from './registry.ts';
import { isBroken, type Transition } from './state-machine.ts';
import { RateWindow, StatusTally, type StatusBucket } from './status.ts';
import type { CheckRecord, LiveSiteState } from './types.ts';

/** A check row, also the payload of `site:checkCompleted` (one object for both). */
export type CheckWrite = Extract<Write, { kind: 'check' }> & CheckRecord;

/**
 * A routine result that changes only the last check time, latency or last success is persisted at most this often per
 * site (and at stop): at 50,000 sites those snapshots doubled the writer's rows. A crash loses at most this much of
 * those three fields, which the check rows hold anyway; anything else is persisted with the result that changed it.
 */
const SNAPSHOT_MAX_AGE_MS = 5 * 60_000;
/**
 * Unsaved snapshots written at stop go to the writer this many at a time, each chunk drained before the next, so none
 * is dropped; a retention pass in progress is not waited for.
 */
const STOP_SNAPSHOT_CHUNK = 1000;

export interface TransitionEffectsOptions {
  writer: Writer;
  pubsub: AppPubSub;
  dispatcher: AlertDispatcher;
  incidentKeyOf: IncidentKeyOf;
  clock: Clock;
  log: (message: string, siteId: number | null) => void;
  maintenance: Pick<MaintenanceTimer, 'coversSite'>;
  /** Every check row applied is also kept here, the site's last results in memory. */
  recent: RecentResults;
  /** Something the status snapshot counts may have changed. */
  statusChanged: () => void;
  /** The probes' results of a site, forgotten with its recent results. */
  probes?: { forget(siteId: number): void };
  /** Sees each site's state after every transition (a cluster shares it, so other instances' copies follow). */
  onState?: (state: LiveSiteState) => void;
}

/**
 * What a transition of the pure state machine (state-machine.ts) does to the world: the check row and state change
 * written and published, logs, alerts, the runtime snapshot, and the status counters.
 */
export class TransitionEffects {
  private readonly tally = new StatusTally();
  private readonly checkRate = new RateWindow();

  constructor(private readonly options: TransitionEffectsOptions) {}

  /** Sites per figure of the status snapshot. */
  get counts(): Readonly<Record<StatusBucket, number>> {
    return this.tally.counts;
  }

  checksPerMinute(nowMs: number): number {
    return this.checkRate.total(nowMs);
  }

  /** Applies a transition: state, check row, state change, logs, alerts and runtime snapshot. */
  apply(entry: SiteEntry, t: Transition, check: CheckWrite | null): void {
    const { writer, pubsub, dispatcher, clock } = this.options;
    const id = entry.site.id;
    const now = clock.now();
    const prev = entry.state;
    entry.state = t.next;
    this.retally(entry);
    entry.seq++;
    if (check) this.recordCheck(check);
    if (t.stateChange) {
      const sc = t.stateChange;
      writer.enqueue({ kind: 'stateChange', siteId: id, fromStatus: sc.from, toStatus: sc.to, reason: sc.reason, changedAt: sc.changedAt });
      pubsub.publish('site:statusChanged', sc);
    }
    for (const message of t.logs) this.options.log(message, id);
    for (const alert of t.alerts) {
      dispatcher.dispatch(entry.site.channelIds, {
        ...alert,
        site: { id, name: entry.site.name, status: t.next.status },
        timestamp: now,
        // As the incident was before this transition: a close goes under the key it was opened with.
        incidentKey: this.options.incidentKeyOf(prev, alert.event),
      });
    }
    if (changesDurableState(prev, t.next) || now.getTime() - entry.savedAtMs >= SNAPSHOT_MAX_AGE_MS) this.saveRuntime(entry, now);
    else entry.unsaved = true;
    this.options.onState?.(t.next);
    this.options.statusChanged();
  }

  /** A check row, with or without a transition (a probe's result): written, kept among the recent results, published. */
  recordCheck(check: CheckWrite): void {
    this.options.writer.enqueue(check);
    this.options.recent.record(check.siteId, check.status, check.latencyMs, check.checkedAt);
    this.options.pubsub.publish('site:checkCompleted', check);
    const nowMs = this.options.clock.nowMs();
    if (check.checkedAt.getTime() < nowMs - LATE_CHECK_MS) this.options.pubsub.publish('site:lateCheck', { siteId: check.siteId });
    this.checkRate.count(nowMs);
  }

  /** Every change of a site's pause, status, parent or maintenance cover passes here, so the snapshot reads counters. */
  retally(entry: SiteEntry): void {
    this.tally.set(entry.site.id, this.bucketOf(entry));
  }

  forget(siteId: number): void {
    this.tally.remove(siteId);
    this.forgetResults(siteId);
  }

  /** Its recent results no longer describe the site: it was removed, or now checks something else. */
  forgetResults(siteId: number): void {
    this.options.recent.remove(siteId);
    this.options.probes?.forget(siteId);
  }

  saveRuntime(entry: SiteEntry, now: Date): void {
    this.options.writer.enqueue(runtimeStateWrite(entry.state, now));
    entry.savedAtMs = now.getTime();
    entry.unsaved = false;
  }

  /** At stop, the snapshots held back since their last save, in flushed chunks: the writer's queue must not drop them. */
  async saveUnsaved(entries: Iterable<SiteEntry>): Promise<void> {
    const now = this.options.clock.now();
    let queued = 0;
    for (const entry of entries) {
      if (!entry.unsaved) continue;
      this.saveRuntime(entry, now);
      if (++queued % STOP_SNAPSHOT_CHUNK === 0) await this.options.writer.writesDrained();
    }
  }

  /** Which figure of the status snapshot the site counts in: what displayStatus shows, folded into its buckets. */
  private bucketOf(entry: SiteEntry): StatusBucket {
    if (entry.site.paused) return 'paused';
    if (this.options.maintenance.coversSite(entry.site)) return 'maintenance';
    const status = entry.state.status;
    return status === 'UP' ? 'up' : isBroken(status) ? 'down' : status === 'PENDING' ? 'pending' : 'other';
  }
}
