import { AlertDispatcher } from '../alerts/dispatcher.ts';
import type { SecretBox } from '../alerts/crypto.ts';
import { getProvider as defaultGetProvider } from '../alerts/providers/index.ts';
import type { AlertProviderImpl } from '../alerts/types.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { AlertProvider } from '../generated/prisma/client.ts';
import type { Logger } from '../log.ts';
import type { Write, Writer } from '../writer/types.ts';
import { runCheck as defaultRunCheck } from './checks/index.ts';
import { downResult, errorText } from './checks/result.ts';
import { UnknownSiteError } from './errors.ts';
import type { AppPubSub } from './events.ts';
import type { Checker, CheckResult } from './checks/types.ts';
import { groupStatus } from './groups.ts';
import { KeyedTimers } from './keyed-timers.ts';
import { LoadFence } from './load-fence.ts';
import { changesDurableState, initialState, restoredState, runtimeStateWrite, withConfig } from './live-state.ts';
import { LOG_RING_SIZE, LogRing, sanitizeLog } from './log-ring.ts';
import { MaintenanceIndex } from './maintenance.ts';
import { evaluatePush, nextPushEvaluation } from './push.ts';
import { Scheduler } from './scheduler.ts';
import { loadChannelLinks, loadSites, PAGE_SIZE, readInPages, sameIds, type EngineSite } from './sites.ts';
import {
  applyGroupStatus,
  applyHeartbeat,
  downMessage,
  formatDurationShort,
  handleStatusChange,
  isBroken,
  TITLE_DOWN,
  type Observation,
  type Silence,
  type Transition,
} from './state-machine.ts';
import { RateWindow, StatusPublisher, StatusTally, type StatusBucket } from './status.ts';
import type {
  CheckRecord,
  DisplayStatus,
  EngineApi,
  EngineStatusSnapshot,
  HeartbeatResult,
  LiveSiteState,
  LogRecord,
  PublicSiteConfig,
  TestAlertResult,
} from './types.ts';

export interface EngineOptions {
  /** The reading client; the engine writes only through the writer. */
  db: Db;
  writer: Writer;
  pubsub: AppPubSub;
  clock: Clock;
  config: Config;
  logger: Logger;
  /** Opens sealed alert settings and HTTP auth secrets. */
  secretBox?: SecretBox;
  runCheck?: Checker;
  getProvider?: (provider: AlertProvider) => AlertProviderImpl;
  /** Uniform in [0, 1), for the start stagger and the interval jitter. */
  random?: () => number;
  /** Sees every check start with its lateness against the schedule (metrics, benchmarks). */
  onCheckStarted?: (siteId: number, lateMs: number) => void;
}

interface SiteEntry {
  site: EngineSite;
  state: LiveSiteState;
  /**
   * Counts the results and beats applied. Results are ordered by it, not by wall time, which a clock step or a
   * database moved between hosts can put in the future.
   */
  seq: number;
  /** Push deadlines count from here: the last beat, or when this engine began judging if later (DESIGN decision 9). */
  pushFromMs: number;
  /** The read of the Site table this configuration came from (see LoadFence): an older read never overrides it. */
  readEpoch: number;
  /** When the runtime snapshot was last handed to the writer, and whether the live state moved on since. */
  savedAtMs: number;
  unsaved: boolean;
}

/** A check row, also the payload of `site:checkCompleted` (one object for both). */
type CheckWrite = Extract<Write, { kind: 'check' }> & CheckRecord;

const MIN_INTERVAL_S = 5;
/**
 * A routine result that changes only the last check time, latency or last success is persisted at most this often per
 * site (and at stop): at 50,000 sites those snapshots doubled the writer's rows. A crash loses at most this much of
 * those three fields, which the check rows hold anyway; anything else is persisted with the result that changed it.
 */
const SNAPSHOT_MAX_AGE_MS = 5 * 60_000;
/** Unsaved snapshots written at stop go to the writer this many at a time, each chunk flushed, so none is dropped. */
const STOP_SNAPSHOT_CHUNK = 1000;
/** The first checks after start are spread over the interval, up to this much, so a restart is not a burst. */
const MAX_START_STAGGER_MS = 30_000;

/**
 * Owns all runtime state: live status per site, the push token index, the log ring, timers. Checks run on per-site
 * timers through a bounded queue; results go through the pure state machine; effects are written through the writer,
 * published on the pubsub and sent as alerts.
 */
export class Engine implements EngineApi {
  private readonly db: Db;
  private readonly writer: Writer;
  private readonly pubsub: AppPubSub;
  private readonly clock: Clock;
  private readonly config: Config;
  private readonly logger: Logger;
  private readonly secretBox: SecretBox | undefined;
  private readonly checker: Checker;
  private readonly random: () => number;

  private readonly sites = new Map<number, SiteEntry>();
  private readonly tokens = new Map<string, number>();
  private readonly fence = new LoadFence();
  /** Group id → ids of the sites whose parent it is. */
  private readonly children = new Map<number, Set<number>>();
  private maintenance = new MaintenanceIndex([]);
  /** The window rows behind `maintenance`, serialized (see reloadMaintenance). */
  private maintenanceKey = '[]';
  private readonly logRing = new LogRing();
  private readonly scheduler: Scheduler;
  private readonly renotifyTimers: KeyedTimers;
  private readonly dispatcher: AlertDispatcher;
  private readonly statusPublisher: StatusPublisher;
  private readonly checkRate = new RateWindow();
  private readonly tally = new StatusTally();
  private readonly abort = new AbortController();

  private reconcileTimer: TimerHandle | null = null;
  private reconciling: Promise<void> | null = null;
  private maintenanceTimer: TimerHandle | null = null;
  /** The Site table as of the last full comparison (see staleSites). */
  private sitesFingerprint = '';
  private started = false;
  private stopped = false;
  private activeFlag = true;
  private stopping: Promise<void> | null = null;

  constructor(options: EngineOptions) {
    this.db = options.db;
    this.writer = options.writer;
    this.pubsub = options.pubsub;
    this.clock = options.clock;
    this.config = options.config;
    this.logger = options.logger;
    this.secretBox = options.secretBox;
    this.checker = options.runCheck ?? defaultRunCheck;
    this.random = options.random ?? Math.random;
    this.scheduler = new Scheduler(this.clock, this.config.checks.concurrency, {
      run: (id) => this.runSite(id),
      inline: (id) => {
        const type = this.sites.get(id)?.site.type;
        return type === 'PUSH' || type === 'GROUP';
      },
      nextDelay: (id) => this.nextDelay(id),
      onStart: options.onCheckStarted,
      onError: (siteId, err) => this.logger.error({ err, siteId }, 'check run failed'),
    });
    this.renotifyTimers = new KeyedTimers(this.clock);
    this.dispatcher = new AlertDispatcher({
      db: this.db,
      writer: this.writer,
      clock: this.clock,
      config: this.config,
      getProvider: options.getProvider ?? defaultGetProvider,
      secretBox: this.secretBox,
      log: (message, siteId) => this.addLog(message, siteId),
    });
    this.statusPublisher = new StatusPublisher(
      this.clock,
      () => this.status(),
      (snapshot) => this.pubsub.publish('engine:status', snapshot),
    );
  }

  get running(): boolean {
    return this.started && !this.stopped;
  }

  /** False on a passive cluster member: nothing is checked, results and heartbeats are refused. */
  get active(): boolean {
    return this.activeFlag;
  }

  /** Started, not stopped, and active. */
  private get checking(): boolean {
    return this.running && this.activeFlag;
  }

  /** Loads channels, windows, sites and their persisted state and logs, then schedules every site. */
  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    await this.fence.read((epoch) => this.load(epoch));
    if (this.stopped) return;
    if (this.activeFlag) this.scheduleAll();
    this.armReconcile();
    this.armMaintenanceBoundary();
    this.statusPublisher.flush();
  }

  /** Channels, windows, sites with their persisted state, and the newest logs, as read at `epoch`. */
  private async load(epoch: number): Promise<void> {
    const [fingerprint, sites, runtime, logs] = await Promise.all([
      this.sitesTableFingerprint(),
      loadSites(this.db, this.secretBox),
      readInPages(
        (after) => this.db.siteRuntimeState.findMany({ where: { siteId: { gt: after } }, orderBy: { siteId: 'asc' }, take: PAGE_SIZE }),
        (row) => row.siteId,
      ),
      this.db.log.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: LOG_RING_SIZE }),
      this.dispatcher.reload(),
      this.reloadMaintenance(),
    ]);
    if (this.stopped) return;
    // What was just loaded is the table as of this fingerprint: the first reconcile compares nothing unless it changed.
    this.sitesFingerprint = fingerprint;
    for (let i = logs.length - 1; i >= 0; i--) {
      const row = logs[i]!;
      this.logRing.push({ message: row.message, createdAt: row.createdAt, siteId: row.siteId });
    }
    const persisted = new Map(runtime.map((row) => [row.siteId, row]));
    for (const site of sites) {
      if (!this.fence.admits(site.id, epoch)) continue;
      const row = persisted.get(site.id);
      this.addEntry(site, row ? restoredState(site, row) : initialState(site), epoch);
    }
  }

  /**
   * Ends every timer, aborts checks in progress and waits (bounded) for them and for alert sends, so `main` can then
   * stop the writer. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.stopped = true;
    this.scheduler.stop();
    this.renotifyTimers.clearAll();
    this.statusPublisher.stop();
    for (const timer of [this.reconcileTimer, this.maintenanceTimer]) if (timer) this.clock.clearTimeout(timer);
    this.reconcileTimer = this.maintenanceTimer = null;
    this.abort.abort();
    let bound: TimerHandle | null = null;
    await Promise.race([
      Promise.allSettled([this.scheduler.idle(), this.dispatcher.idle(), this.reconciling]),
      new Promise<void>((resolve) => {
        bound = this.clock.setTimeout(resolve, this.config.engine.alertTimeoutMs);
      }),
    ]);
    if (bound) this.clock.clearTimeout(bound);
    this.dispatcher.stop();
    await this.saveUnsaved();
    if (this.dispatcher.pending > 0) this.logger.warn({ pending: this.dispatcher.pending }, 'engine stopped with alert sends still in flight');
    this.statusPublisher.flush();
  }

  /** Switches between checking (leader) and idling (passive member). */
  setActive(active: boolean): void {
    if (active === this.activeFlag) return;
    this.activeFlag = active;
    this.addLog(active ? 'Engine RESUMED (Active)' : 'Engine PAUSED (Passive)', null);
    if (!this.running) return;
    if (active) this.scheduleAll();
    else {
      this.scheduler.cancelAll();
      this.renotifyTimers.clearAll();
    }
    this.statusPublisher.markDirty();
  }

  // ---------------------------------------------------------------- EngineApi: reads

  getState(siteId: number): LiveSiteState | undefined {
    const entry = this.sites.get(siteId);
    return entry ? { ...entry.state } : undefined;
  }

  getSite(siteId: number): PublicSiteConfig | undefined {
    const entry = this.sites.get(siteId);
    if (!entry) return undefined;
    const { authSecret, configError, channelIds: _channelIds, ...columns } = entry.site;
    // A stored secret that does not open is still stored.
    return { ...columns, hasAuthSecret: authSecret !== null || configError !== null };
  }

  displayStatus(siteId: number): DisplayStatus {
    const entry = this.sites.get(siteId);
    if (!entry) return 'PENDING';
    if (entry.site.paused) return 'PAUSED';
    if (this.inMaintenance(entry)) return 'MAINTENANCE';
    return entry.state.status;
  }

  isInMaintenance(siteId: number): boolean {
    const entry = this.sites.get(siteId);
    return entry ? this.inMaintenance(entry) : this.maintenance.covers(siteId, null, this.clock.nowMs());
  }

  status(): EngineStatusSnapshot {
    const nowMs = this.clock.nowMs();
    const { up, down, pending, paused, maintenance } = this.tally.counts;
    const stats = this.writer.stats;
    return {
      running: this.running,
      sites: this.sites.size,
      up,
      down,
      pending,
      paused,
      maintenance,
      queueDepth: stats.queueDepth,
      droppedWrites: stats.droppedTotal,
      checksPerMinute: this.checkRate.total(nowMs),
    };
  }

  logs(limit = LOG_RING_SIZE): LogRecord[] {
    return this.logRing.newest(limit);
  }

  // ---------------------------------------------------------------- EngineApi: commands

  async siteChanged(siteId: number): Promise<void> {
    await this.fence.read(async (epoch) => {
      const [site] = await loadSites(this.db, this.secretBox, [siteId]);
      if (this.stopped) return;
      if (site) this.upsertSite(site, epoch);
      else this.siteRemoved(siteId);
    });
  }

  /** A delete wins over every read still in flight, even for a site this engine has not seen yet. */
  siteRemoved(siteId: number): void {
    this.fence.removed(siteId);
    const entry = this.sites.get(siteId);
    if (!entry) return;
    this.sites.delete(siteId);
    this.tally.remove(siteId);
    this.scheduler.cancel(siteId);
    this.renotifyTimers.clear(siteId);
    if (entry.site.pushToken) this.tokens.delete(entry.site.pushToken);
    this.unlinkParent(siteId, entry.site.parentId);
    const kids = this.children.get(siteId);
    if (kids) {
      for (const childId of kids) {
        const child = this.sites.get(childId);
        if (child) {
          child.site = { ...child.site, parentId: null };
          child.state = withConfig(child.state, child.site);
          this.retally(child);
        }
      }
      this.children.delete(siteId);
    }
    this.reevaluateGroup(entry.site.parentId);
    this.statusPublisher.markDirty();
  }

  async checkNow(siteId: number): Promise<void> {
    if (!this.sites.has(siteId)) await this.siteChanged(siteId);
    const entry = this.sites.get(siteId);
    if (!entry) throw new UnknownSiteError(siteId);
    if (!this.checking || entry.site.paused) return;
    await this.scheduler.trigger(siteId);
  }

  heartbeat(token: string): HeartbeatResult {
    if (!this.checking) return { ok: false, reason: 'inactive' };
    const siteId = this.tokens.get(token);
    const entry = siteId === undefined ? undefined : this.sites.get(siteId);
    if (!entry) return { ok: false, reason: 'unknown-token' };
    const now = this.clock.now();
    entry.pushFromMs = now.getTime();
    const t = applyHeartbeat(entry.state, entry.site, now, this.silence(entry));
    this.commit(entry, t, {
      kind: 'check',
      siteId: entry.site.id,
      checkedAt: now,
      up: true,
      status: 'UP',
      latencyMs: 0,
      statusCode: null,
      message: null,
    });
    if (!entry.site.paused) this.schedulePush(entry);
    return { ok: true, siteId: entry.site.id };
  }

  async maintenanceChanged(): Promise<void> {
    await this.reloadMaintenance();
    if (this.stopped) return;
    this.afterMaintenanceChange();
  }

  async alertChannelsChanged(): Promise<void> {
    const [links] = await Promise.all([loadChannelLinks(this.db), this.dispatcher.reload()]);
    if (this.stopped) return;
    this.applyLinks(links);
  }

  async testAlert(alertChannelId: number): Promise<TestAlertResult> {
    return this.dispatcher.testAlert(alertChannelId);
  }

  // ---------------------------------------------------------------- sites in memory

  private addEntry(site: EngineSite, state: LiveSiteState, readEpoch: number): void {
    const nowMs = this.clock.nowMs();
    const pushFromMs = Math.min(state.lastCheckAt?.getTime() ?? nowMs, nowMs);
    // A restored state is what the table holds; a new one has never been saved.
    const savedAtMs = state.status === 'PENDING' && !state.lastCheckAt ? -Infinity : nowMs;
    const entry: SiteEntry = { site, state: withConfig(state, site), seq: 0, pushFromMs, readEpoch, savedAtMs, unsaved: false };
    this.sites.set(site.id, entry);
    if (site.pushToken && site.type === 'PUSH') this.tokens.set(site.pushToken, site.id);
    this.linkParent(site.id, site.parentId);
    this.retally(entry);
  }

  /** Which figure of the status snapshot the site counts in: what displayStatus shows, folded into its buckets. */
  private bucketOf(entry: SiteEntry): StatusBucket {
    if (entry.site.paused) return 'paused';
    if (this.inMaintenance(entry)) return 'maintenance';
    const status = entry.state.status;
    return status === 'UP' ? 'up' : isBroken(status) ? 'down' : status === 'PENDING' ? 'pending' : 'other';
  }

  /** Every change of a site's pause, status, parent or maintenance cover passes here, so status() reads counters. */
  private retally(entry: SiteEntry): void {
    this.tally.set(entry.site.id, this.bucketOf(entry));
  }

  /**
   * A created or changed site, as read at `epoch`, takes effect at once: config swapped in, runtime state kept, checked
   * again now. Unless the site was removed since that read began, or a newer read already applied it.
   */
  private upsertSite(site: EngineSite, epoch: number): void {
    if (!this.fence.admits(site.id, epoch)) return;
    const entry = this.sites.get(site.id);
    if (!entry) {
      this.addEntry(site, initialState(site), epoch);
      if (this.checking && !site.paused) this.triggerQuietly(site.id);
      this.reevaluateGroup(site.parentId);
      this.statusPublisher.markDirty();
      return;
    }
    if (entry.readEpoch > epoch) return;
    entry.readEpoch = epoch;
    const before = entry.site;
    if (before.pushToken) this.tokens.delete(before.pushToken);
    if (site.pushToken && site.type === 'PUSH') this.tokens.set(site.pushToken, site.id);
    if (before.parentId !== site.parentId) {
      this.unlinkParent(site.id, before.parentId);
      this.linkParent(site.id, site.parentId);
    }
    entry.site = site;
    // A monitor whose type changed measures something else now: it starts PENDING like a new one, so a site turned
    // into a push monitor is not judged overdue against checks of its old type.
    const retyped = before.type !== site.type;
    entry.state = withConfig(retyped ? initialState(site) : entry.state, site);
    if (retyped) this.saveRuntime(entry, this.clock.now());
    if (before.paused !== site.paused) this.addLog(`Monitor '${site.name}' ${site.paused ? 'paused' : 'resumed'}`, site.id);
    // The job's kind (queued check or inline evaluation) follows the type, so a type change starts a fresh job.
    if (site.paused || retyped) this.scheduler.cancel(site.id);
    if (this.checking && !site.paused) this.triggerQuietly(site.id);
    // A resumed site's reminders count from the resume: nothing was due while it was paused.
    this.armRenotify(entry, before.paused && !site.paused ? this.clock.nowMs() : undefined);
    this.retally(entry);
    if (before.parentId !== site.parentId) this.reevaluateGroup(before.parentId);
    this.reevaluateGroup(site.parentId);
    this.statusPublisher.markDirty();
  }

  private linkParent(siteId: number, parentId: number | null): void {
    if (parentId === null) return;
    let kids = this.children.get(parentId);
    if (!kids) this.children.set(parentId, (kids = new Set()));
    kids.add(siteId);
  }

  private unlinkParent(siteId: number, parentId: number | null): void {
    if (parentId === null) return;
    const kids = this.children.get(parentId);
    kids?.delete(siteId);
    if (kids?.size === 0) this.children.delete(parentId);
  }

  private applyLinks(links: Map<number, number[]>): void {
    for (const entry of this.sites.values()) {
      const ids = links.get(entry.site.id) ?? [];
      if (!sameIds(ids, entry.site.channelIds)) {
        entry.site = { ...entry.site, channelIds: ids };
        this.armRenotify(entry);
      }
    }
  }

  private inMaintenance(entry: SiteEntry): boolean {
    return this.maintenance.covers(entry.site.id, entry.site.parentId, this.clock.nowMs());
  }

  /** Why the site's alerts are held back now, if they are: a paused site is silent, whatever reaches it. */
  private silence(entry: SiteEntry): Silence | null {
    if (entry.site.paused) return 'paused';
    return this.inMaintenance(entry) ? 'maintenance' : null;
  }

  // ---------------------------------------------------------------- scheduling

  private scheduleAll(): void {
    const nowMs = this.clock.nowMs();
    for (const entry of this.sites.values()) {
      if (entry.site.paused) continue;
      if (entry.site.type === 'PUSH') {
        // Beats sent while this engine was down or passive were refused, not missed: deadlines count from now at the earliest.
        entry.pushFromMs = Math.max(entry.pushFromMs, nowMs);
        this.schedulePush(entry);
      } else this.scheduler.schedule(entry.site.id, this.random() * Math.min(this.intervalMs(entry.site), MAX_START_STAGGER_MS));
      this.armRenotify(entry);
    }
  }

  private triggerQuietly(siteId: number): void {
    void this.scheduler.trigger(siteId);
  }

  private intervalMs(site: EngineSite): number {
    return Math.max(site.interval, MIN_INTERVAL_S) * 1000;
  }

  /** After a run: the interval plus up to 10 % jitter; push monitors wake at their next deadline instead. */
  private nextDelay(siteId: number): number | null {
    const entry = this.sites.get(siteId);
    if (!entry || entry.site.paused || !this.checking) return null;
    if (entry.site.type === 'PUSH') {
      const nowMs = this.clock.nowMs();
      const at = nextPushEvaluation(entry.state, entry.site, this.pushFrom(entry, nowMs), nowMs);
      return at === null ? null : at - nowMs;
    }
    const interval = this.intervalMs(entry.site);
    return interval + this.random() * interval * 0.1;
  }

  private schedulePush(entry: SiteEntry): void {
    const nowMs = this.clock.nowMs();
    const at = nextPushEvaluation(entry.state, entry.site, this.pushFrom(entry, nowMs), nowMs);
    if (at === null) this.scheduler.cancel(entry.site.id);
    else this.scheduler.schedule(entry.site.id, at - nowMs);
  }

  /** A beat in the future (the clock stepped back) counts as now, so the monitor is not frozen until the clock catches up. */
  private pushFrom(entry: SiteEntry, nowMs: number): number {
    if (entry.pushFromMs > nowMs) entry.pushFromMs = nowMs;
    return entry.pushFromMs;
  }

  private runSite(siteId: number): Promise<void> | void {
    const entry = this.sites.get(siteId);
    if (!entry || !this.checking) return;
    if (entry.site.type === 'PUSH') this.evaluatePushSite(entry);
    else if (entry.site.type === 'GROUP') this.evaluateGroup(entry, true);
    else return this.runOutbound(entry);
  }

  // ---------------------------------------------------------------- checks and evaluations

  private async runOutbound(entry: SiteEntry): Promise<void> {
    const site = entry.site;
    const seqAtStart = entry.seq;
    let result: CheckResult;
    if (site.configError) result = downResult(site.configError);
    else {
      try {
        result = await this.checker(site, {
          allowPrivateTargets: this.config.checks.allowPrivateTargets,
          insecureSkipVerify: this.config.checks.insecureSkipVerify,
          signal: this.abort.signal,
          clock: this.clock,
        });
      } catch (err) {
        result = downResult(errorText(err));
      }
    }
    // A site removed (or replaced) mid-check is not brought back, a check of the type it had before an edit says
    // nothing about it now, and a passive or stopping engine ignores results. A failure is outranked by any result or
    // beat applied since this check started.
    if (!this.checking || this.sites.get(site.id) !== entry || entry.site.type !== site.type) return;
    if (result.status !== 'UP' && entry.seq !== seqAtStart) return;
    const now = this.clock.now();
    const obs: Observation = {
      status: result.status,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      hasSsl: result.hasSsl,
      certExpiresAt: result.certExpiresAt,
      reason: result.message,
      checkedAt: now,
    };
    const t = handleStatusChange(entry.state, obs, entry.site, now, this.silence(entry));
    this.commit(entry, t, {
      kind: 'check',
      siteId: site.id,
      checkedAt: now,
      up: result.status === 'UP',
      status: result.status,
      latencyMs: result.latencyMs,
      statusCode: result.statusCode,
      message: result.message || null,
    });
  }

  private evaluatePushSite(entry: SiteEntry): void {
    const now = this.clock.now();
    const obs = evaluatePush(entry.state, entry.site, this.pushFrom(entry, now.getTime()), now.getTime());
    if (!obs) return;
    const t = handleStatusChange(entry.state, obs, entry.site, now, this.silence(entry));
    this.commit(entry, t, {
      kind: 'check',
      siteId: entry.site.id,
      checkedAt: now,
      up: false,
      status: obs.status,
      latencyMs: null,
      statusCode: null,
      message: obs.reason,
    });
  }

  /**
   * On its own schedule a group records a check; when a child changes it is re-evaluated at once and only a change
   * of its status is applied.
   */
  private evaluateGroup(entry: SiteEntry, scheduled: boolean): void {
    const nowMs = this.clock.nowMs();
    const kids: LiveSiteState[] = [];
    for (const id of this.children.get(entry.site.id) ?? []) {
      const child = this.sites.get(id);
      if (child) kids.push(child.state);
    }
    const verdict = groupStatus(kids, (child) => this.maintenance.covers(child.siteId, child.parentId, nowMs));
    if (!scheduled && verdict.status === entry.state.status) return;
    const now = this.clock.now();
    const t = applyGroupStatus(entry.state, verdict.status, verdict.reason, entry.site, now, this.silence(entry));
    this.commit(
      entry,
      t,
      scheduled
        ? {
            kind: 'check',
            siteId: entry.site.id,
            checkedAt: now,
            up: !isBroken(verdict.status),
            status: verdict.status,
            latencyMs: null,
            statusCode: null,
            message: verdict.reason || null,
          }
        : null,
    );
  }

  private reevaluateGroup(groupId: number | null): void {
    if (groupId === null || !this.checking) return;
    const group = this.sites.get(groupId);
    if (group && group.site.type === 'GROUP' && !group.site.paused) this.evaluateGroup(group, false);
  }

  /** Applies a transition: state, check row, state change, logs, alerts, runtime snapshot, and what depends on it. */
  private commit(entry: SiteEntry, t: Transition, check: CheckWrite | null): void {
    const id = entry.site.id;
    const now = this.clock.now();
    const prev = entry.state;
    entry.state = t.next;
    this.retally(entry);
    entry.seq++;
    if (check) {
      this.writer.enqueue(check);
      this.pubsub.publish('site:checkCompleted', check);
      this.checkRate.count(now.getTime());
    }
    if (t.stateChange) {
      const sc = t.stateChange;
      this.writer.enqueue({ kind: 'stateChange', siteId: id, fromStatus: sc.from, toStatus: sc.to, reason: sc.reason, changedAt: sc.changedAt });
      this.pubsub.publish('site:statusChanged', sc);
    }
    for (const message of t.logs) this.addLog(message, id);
    for (const alert of t.alerts) {
      this.dispatcher.dispatch(entry.site.channelIds, {
        ...alert,
        site: { id, name: entry.site.name, status: t.next.status },
        timestamp: now,
      });
    }
    if (changesDurableState(prev, t.next) || now.getTime() - entry.savedAtMs >= SNAPSHOT_MAX_AGE_MS) this.saveRuntime(entry, now);
    else entry.unsaved = true;
    this.statusPublisher.markDirty();
    if (t.changed) {
      this.armRenotify(entry);
      this.reevaluateGroup(entry.site.parentId);
    }
  }

  private saveRuntime(entry: SiteEntry, now: Date): void {
    this.writer.enqueue(runtimeStateWrite(entry.state, now));
    entry.savedAtMs = now.getTime();
    entry.unsaved = false;
  }

  /** At stop, the snapshots held back since their last save, in flushed chunks: the writer's queue must not drop them. */
  private async saveUnsaved(): Promise<void> {
    const now = this.clock.now();
    let queued = 0;
    for (const entry of this.sites.values()) {
      if (!entry.unsaved) continue;
      this.saveRuntime(entry, now);
      if (++queued % STOP_SNAPSHOT_CHUNK === 0) await this.writer.flush();
    }
  }

  // ---------------------------------------------------------------- re-notification

  /** While broken and not paused, a site with renotifyMinutes > 0 and channels gets its DOWN alert again every N minutes. */
  private armRenotify(entry: SiteEntry, fromMs?: number): void {
    const { site, state } = entry;
    if (!this.checking || site.paused || site.renotifyMinutes <= 0 || site.channelIds.length === 0 || !isBroken(state.status)) {
      this.renotifyTimers.clear(site.id);
      return;
    }
    const nowMs = this.clock.nowMs();
    // A time stored in the future (clock stepped back) counts as now, or the reminder would wait for the clock.
    const base = Math.min(fromMs ?? (state.lastAlertAt ?? state.statusChangedAt)?.getTime() ?? nowMs, nowMs);
    const at = base + site.renotifyMinutes * 60_000;
    this.renotifyTimers.set(site.id, at - nowMs, () => this.renotify(site.id));
  }

  private renotify(siteId: number): void {
    const entry = this.sites.get(siteId);
    if (!entry || !isBroken(entry.state.status) || entry.site.paused || !this.checking) return;
    const { site, state } = entry;
    const now = this.clock.now();
    if (this.inMaintenance(entry)) {
      this.addLog(`Re-notification for '${site.name}' suppressed (maintenance)`, siteId);
      this.armRenotify(entry, now.getTime());
      return;
    }
    const downFor = state.statusChangedAt ? ` (still down after ${formatDurationShort(now.getTime() - state.statusChangedAt.getTime())})` : '';
    this.dispatcher.dispatch(site.channelIds, {
      event: 'down',
      title: TITLE_DOWN,
      message: downMessage(site, state.status, state.lastError) + downFor,
      site: { id: siteId, name: site.name, status: state.status },
      timestamp: now,
    });
    entry.state = { ...state, lastAlertAt: now };
    this.saveRuntime(entry, now);
    this.addLog(`Monitor '${site.name}' is still DOWN: re-notification sent`, siteId);
    this.armRenotify(entry);
  }

  // ---------------------------------------------------------------- maintenance

  /**
   * Reads the windows that have not ended; answers whether they differ from those indexed. An unchanged set keeps its
   * index, so a reconcile neither recounts every site nor logs an ignored window again.
   */
  private async reloadMaintenance(): Promise<boolean> {
    const now = this.clock.now();
    const rows = await this.db.maintenanceWindow.findMany({
      where: { OR: [{ endsAt: null }, { endsAt: { gt: now } }] },
      select: { id: true, type: true, siteId: true, startsAt: true, endsAt: true, recurrence: true, durationMinutes: true, timezone: true },
      orderBy: { id: 'asc' },
    });
    const key = JSON.stringify(rows);
    if (key === this.maintenanceKey) return false;
    this.maintenanceKey = key;
    this.maintenance = new MaintenanceIndex(rows, (w, err) => this.addLog(`Maintenance window ${w.id} is ignored: ${err.message}`, w.siteId));
    return true;
  }

  /** Groups skip children in maintenance and the status counts them, so both follow every window boundary. */
  private afterMaintenanceChange(): void {
    for (const entry of this.sites.values()) this.retally(entry);
    for (const groupId of this.children.keys()) this.reevaluateGroup(groupId);
    this.statusPublisher.markDirty();
    this.armMaintenanceBoundary();
  }

  private armMaintenanceBoundary(): void {
    if (this.maintenanceTimer) this.clock.clearTimeout(this.maintenanceTimer);
    this.maintenanceTimer = null;
    if (this.stopped) return;
    const nowMs = this.clock.nowMs();
    const next = this.maintenance.nextChange(nowMs);
    if (!Number.isFinite(next)) return;
    this.maintenanceTimer = this.clock.setTimeout(() => {
      this.maintenanceTimer = null;
      this.afterMaintenanceChange();
    }, Math.max(0, next - nowMs));
  }

  // ---------------------------------------------------------------- reconcile with the database

  private armReconcile(): void {
    if (this.stopped) return;
    this.reconcileTimer = this.clock.setTimeout(() => {
      this.reconcileTimer = null;
      this.reconciling = this.reconcile()
        .catch((err: unknown) => this.addLog(`Failed to load sites: ${errorText(err)}`, null))
        .finally(() => {
          this.reconciling = null;
          this.armReconcile();
        });
    }, this.config.engine.reconcileIntervalMs);
  }

  /** Picks up what another process changed: sites added, edited or deleted, links, channels and windows. */
  private reconcile(): Promise<void> {
    return this.fence.read((epoch) => this.reconcileAt(epoch));
  }

  private async reconcileAt(epoch: number): Promise<void> {
    const { stale, fingerprint } = await this.staleSites(epoch);
    if (this.stopped) return;
    const [fresh, links, windowsChanged] = await Promise.all([
      stale.length ? loadSites(this.db, this.secretBox, stale) : Promise.resolve([]),
      loadChannelLinks(this.db),
      this.reloadMaintenance(),
      this.dispatcher.reload(),
    ]);
    if (this.stopped) return;
    for (const site of fresh) this.upsertSite(site, epoch);
    this.sitesFingerprint = fingerprint;
    this.applyLinks(links);
    if (windowsChanged) this.afterMaintenanceChange();
  }

  /** Count, id sum and newest updatedAt of the Site table: an add, delete or edit changes it. */
  private async sitesTableFingerprint(): Promise<string> {
    const agg = await this.db.site.aggregate({ _count: { _all: true }, _sum: { id: true }, _max: { updatedAt: true } });
    return `${agg._count._all}|${agg._sum.id ?? 0}|${agg._max.updatedAt?.getTime() ?? 0}`;
  }

  /**
   * Ids of the sites added or edited behind the engine's back; drops the deleted ones. A fingerprint of the table
   * (count, id sum, newest updatedAt: an add, delete or edit changes it) spares the row-by-row comparison, tens of
   * milliseconds at 10,000 sites, while nothing changed. A site loaded by a read newer than `epoch` may be missing
   * from this one's rows: it is not dropped.
   */
  private async staleSites(epoch: number): Promise<{ stale: number[]; fingerprint: string }> {
    const fingerprint = await this.sitesTableFingerprint();
    if (fingerprint === this.sitesFingerprint) return { stale: [], fingerprint };
    const rows = await readInPages(
      (after) => this.db.site.findMany({ select: { id: true, updatedAt: true }, where: { id: { gt: after } }, orderBy: { id: 'asc' }, take: PAGE_SIZE }),
      (row) => row.id,
    );
    if (this.stopped) return { stale: [], fingerprint };
    const seen = new Set<number>();
    const stale: number[] = [];
    for (const row of rows) {
      seen.add(row.id);
      const entry = this.sites.get(row.id);
      if (!entry || entry.site.updatedAt.getTime() !== row.updatedAt.getTime()) stale.push(row.id);
    }
    for (const [id, entry] of [...this.sites]) {
      if (!seen.has(id) && entry.readEpoch < epoch) {
        this.addLog(`Monitor removed (no longer in DB): ID ${id}`, null);
        this.siteRemoved(id);
      }
    }
    return { stale, fingerprint };
  }

  // ---------------------------------------------------------------- logs

  /**
   * Adds a line to the engine log: memory ring, subscribers and, unless `persist` is false, the database. The writer
   * notes its own drops and failures with persist false, so a full queue never feeds itself.
   */
  addLog(message: string, siteId: number | null = null, persist = true): void {
    const record: LogRecord = { message: sanitizeLog(message), createdAt: this.clock.now(), siteId };
    this.logRing.push(record);
    if (persist) this.writer.enqueue({ kind: 'log', ...record });
    this.pubsub.publish('log:added', record);
    this.logger.info({ siteId }, record.message);
  }

  /** Resolves once no check, alert send or reconcile is in flight (tests, orderly handovers). */
  async whenIdle(): Promise<void> {
    while (this.scheduler.running > 0 || this.dispatcher.pending > 0 || this.reconciling) {
      await Promise.all([this.scheduler.idle(), this.dispatcher.idle(), this.reconciling]);
    }
  }
}
