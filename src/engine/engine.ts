import { AlertDispatcher, type DispatcherDeps, type MovedChannel, type StoredChannel } from '../alerts/dispatcher.ts';
import type { SecretBox } from '../alerts/crypto.ts';
import { getProvider as defaultGetProvider } from '../alerts/providers/index.ts';
import type { AlertMessage, AlertProviderImpl } from '../alerts/types.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { AlertProvider } from '../generated/prisma/client.ts';
import type { Logger } from '../log.ts';
import type { Writer } from '../writer/types.ts';
import { runCheck as defaultRunCheck } from './checks/index.ts';
import type { Checker } from './checks/types.ts';
import { CheckElsewhereError, UnknownSiteError } from './errors.ts';
import { EventLog, readNewestLogs } from './event-log.ts';
import type { AppPubSub } from './events.ts';
import { initialState, restoredState, withConfig } from './live-state.ts';
import { LoadFence } from './load-fence.ts';
import { incidentKeys } from './incident-keys.ts';
import { OpenIncidents } from './open-incidents.ts';
import { OWNS_EVERY_SITE, type SiteOwnership } from './ownership.ts';
import { LOG_RING_SIZE } from './log-ring.ts';
import { SiteLoop, startPushPeriod } from './loop.ts';
import { alertWaits, markBeat, type SaveRuntime } from './push-windows.ts';
import { MaintenanceTimer } from './maintenance-timer.ts';
import { ProbeResults, type ProbeReport } from './probe-results.ts';
import { readProbeReports } from './probe-rows.ts';
import { readRecentRows, RecentResults, type RecentRow } from './recent-results.ts';
import { Reconciler } from './reconcile.ts';
import { SiteRegistry, type SiteEntry } from './registry.ts';
import { Renotifier } from './renotify.ts';
import { checkRow, silenceOf, SiteRuns } from './runs.ts';
import { SiteSync } from './site-sync.ts';
import { loadChannelLinks, loadRuntimeStates, loadSites, publicConfig } from './sites.ts';
import { beatChangesStatus, downBeat } from './push.ts';
import { applyHeartbeat, formatDurationShort, handleStatusChange, type Transition } from './state-machine.ts';
import { StatusPublisher } from './status.ts';
import { TransitionEffects, type CheckWrite } from './transition-effects.ts';
import { WallJumps } from './wall-jumps.ts';
import type {
  CheckRecord,
  DisplayStatus,
  EngineApi,
  EngineStatusSnapshot,
  HeartbeatResult,
  LiveSiteState,
  LogRecord,
  PublicSiteConfig,
  PushReport,
  RecentResult,
  SiteChangeRecord,
  TestAlertResult,
} from './types.ts';

/** One result of a regional probe for a site, as POST /api/probe/results brings it; `checkedAt` by the probe's clock. */
export interface ProbeIngest extends Omit<ProbeReport, 'nodeId' | 'checkedAt'> {
  siteId: number;
  checkedAt: Date | null;
}

/** What became of a probe's results (ingestProbeResults). */
export interface ProbeIngestOutcome {
  /** How many were taken here. */
  taken: number;
  /** Whether those of sites another instance checks left for it (see EngineRelay); absent when there were none. */
  relayed?: Promise<boolean>;
}

/** Longest a handover waits for the checks in progress of the sites let go: the lease renewals wait behind it. */
const HANDOVER_WAIT_MS = 5_000;

/** Sites per page of the recent results read at start (see seedRecent). */
const SEED_PAGE_SITES = 500;

/**
 * Longest a beat or a check request handed to another instance waits to leave (the publish to Redis): one that cannot
 * leave is refused, so its sender retries, rather than acknowledged and lost. Redis that is down fails at once; this
 * bounds a Redis that does not answer.
 */
export const RELAY_WAIT_MS = 2_000;

/** Longest a check relayed to the site's owner may take beyond the site's own timeout (its queue, the way back). */
export const RELAYED_CHECK_MARGIN_MS = 5_000;

/**
 * Carries what one instance received for a site another instance checks to that instance (src/cluster/relay.ts). A
 * promise returned says whether it was sent (publishConfirmed in events.ts); none means it was.
 */
export interface EngineRelay {
  heartbeat(token: string, report: PushReport): Promise<boolean> | undefined;
  probeResults(nodeId: string, results: readonly ProbeIngest[]): Promise<boolean> | undefined;
  /**
   * Asks the instance that checks the site to check it now: it runs `checkNow(siteId, { relayed: true })`, and answers
   * with the site's state (`cluster:state`). Without it a check asked for here of another instance's site is refused.
   */
  checkNow?(siteId: number): Promise<boolean> | undefined;
}

export interface EngineOptions {
  /** The reading client; the engine writes only through the writer. */
  db: Db;
  writer: Writer;
  pubsub: AppPubSub;
  clock: Clock;
  config: Config;
  logger: Logger;
  /** The id of the installation (src/db/installation.ts), which the keys of its incidents carry. */
  installation: string;
  /** The log shared with the writer (see EventLog); by default the engine makes its own, persisting through `writer`. */
  eventLog?: EventLog;
  /** Opens sealed alert settings and HTTP auth secrets. */
  secretBox?: SecretBox;
  runCheck?: Checker;
  getProvider?: (provider: AlertProvider) => AlertProviderImpl;
  /** Uniform in [0, 1), for the start stagger and the interval jitter. */
  random?: () => number;
  /** Sees every check start with its lateness against the schedule (metrics, benchmarks). */
  onCheckStarted?: (siteId: number, lateMs: number) => void;
  /** Sees the outcome of every alert send (metrics); see AlertDispatcher. */
  onAlertSent?: DispatcherDeps['onSent'];
  /** The sites this instance checks (a cluster's leases); by default every site. */
  ownership?: SiteOwnership;
  /**
   * Hands what arrives here for a site another instance checks to that instance (a cluster's event bus), which applies
   * it with `{ relayed: true }`. Without it such a beat is refused as `inactive`, and such probe results are left out.
   */
  relay?: EngineRelay;
  /** A cluster's alerts go to the outbox with their state change and are sent by its sender (`deliverAlert`). */
  alertsViaOutbox?: boolean;
  /** Publishes each site's state after a transition (`cluster:state`) for the copies other instances keep. */
  shareState?: boolean;
}

/**
 * The facade over the engine's parts, with their lifecycle. SiteRegistry holds the sites, SiteSync applies what the
 * database says about them; SiteLoop runs each on its own timer through a bounded queue, SiteRuns turns a run into a
 * transition of the pure state machine, and commit hands it to TransitionEffects (rows, events, logs, alerts, snapshot).
 * Renotifier, MaintenanceTimer and Reconciler own the other timers.
 */
export class Engine implements EngineApi {
  private readonly db: Db;
  private readonly pubsub: AppPubSub;
  private readonly ownership: SiteOwnership;
  private readonly relay?: EngineRelay;
  private readonly clock: Clock;
  private readonly config: Config;
  private readonly secretBox: SecretBox | undefined;
  private readonly eventLog: EventLog;
  private readonly sites = new SiteRegistry();
  private readonly recent = new RecentResults();
  private readonly fence = new LoadFence();
  private readonly probes: ProbeResults;
  private readonly loop: SiteLoop;
  private readonly runs: SiteRuns;
  private readonly dispatcher: AlertDispatcher;
  private readonly effects: TransitionEffects;
  private readonly saveRuntime: SaveRuntime;
  private readonly renotifier: Renotifier;
  private readonly maintenance: MaintenanceTimer;
  private readonly sync: SiteSync;
  private readonly incidents: OpenIncidents;
  private readonly reconciler: Reconciler;
  private readonly statusPublisher: StatusPublisher;
  private readonly wallJumps: WallJumps;
  private readonly writer: Writer;
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private started = false;
  private stopped = false;
  /** Raised as a reload begins and again as it ends (see `reloads`). */
  private reloadCount = 0;
  private activeFlag = true;
  private stopping: Promise<void> | null = null;
  private seeding: Promise<void> = Promise.resolve();
  /** Sites let go whose check in progress still applies its result, under the fence still held (ownershipChanged). */
  private readonly leaving = new Set<number>();

  constructor(options: EngineOptions) {
    const { db, writer, pubsub, clock, config, logger, secretBox, onCheckStarted, installation } = options;
    this.db = db;
    this.pubsub = pubsub;
    this.ownership = options.ownership ?? OWNS_EVERY_SITE;
    this.relay = options.relay;
    this.writer = writer;
    this.clock = clock;
    this.config = config;
    this.logger = logger;
    this.secretBox = secretBox;
    if (options.eventLog) this.eventLog = options.eventLog;
    else (this.eventLog = new EventLog({ clock, pubsub, logger })).persistTo(writer);
    const { sites, fence } = this;
    const log = (message: string, siteId: number | null) => this.addLog(message, siteId);
    const checking = (siteId: number) => this.checks(siteId);
    const statusChanged = () => this.statusPublisher.markDirty();
    const onWindowsChanged = () => this.afterMaintenanceChange();
    const getProvider = options.getProvider ?? defaultGetProvider;
    const maintenance = (this.maintenance = new MaintenanceTimer({ db, clock, log, onBoundary: onWindowsChanged }));
    const onSent = options.onAlertSent;
    const viaOutbox = options.alertsViaOutbox;
    const dispatcher = (this.dispatcher = new AlertDispatcher({ db, writer, clock, config, installation, getProvider, secretBox, log, onSent, viaOutbox }));
    const incidentKeyOf = incidentKeys(installation);
    this.statusPublisher = new StatusPublisher(
      clock,
      () => this.status(),
      (snapshot) => pubsub.publish('engine:status', snapshot),
    );
    const probes = (this.probes = new ProbeResults(config.probes.aggStrategy));
    const onState = options.shareState ? (state: LiveSiteState) => pubsub.publish('cluster:state', state) : undefined;
    const effects = (this.effects = new TransitionEffects({
      writer,
      pubsub,
      dispatcher,
      incidentKeyOf,
      clock,
      log,
      maintenance,
      recent: this.recent,
      statusChanged,
      probes,
      onState,
    }));
    const renotifier = (this.renotifier = new Renotifier({ clock, sites, dispatcher, incidentKeyOf, log, effects, checking, maintenance }));
    const commit = (entry: SiteEntry, t: Transition, check: CheckWrite | null) => this.commit(entry, t, check);
    const saveRuntime = (this.saveRuntime = (entry: SiteEntry) => effects.saveRuntime(entry, clock.now()));
    const checker = options.runCheck ?? defaultRunCheck;
    const signal = this.abort.signal;
    const fromProbes = (site: SiteEntry['site'], nowMs: number) => probes.verdict(site.id, site.interval, nowMs);
    const applies = (siteId: number) => this.checks(siteId) || (this.checking && this.leaving.has(siteId));
    const runs = (this.runs = new SiteRuns({
      clock,
      checks: config.checks,
      checker,
      signal,
      sites,
      maintenance,
      checking,
      applies,
      commit,
      alertHeldBack: (entry) => renotifier.alertHeldBack(entry),
      saveRuntime,
      probes: fromProbes,
    }));
    const random = options.random ?? Math.random;
    this.wallJumps = new WallJumps(clock);
    const run = (id: number) => {
      this.catchUpWithWallClock();
      return runs.run(id);
    };
    const concurrency = config.checks.concurrency;
    const loop = (this.loop = new SiteLoop({ clock, concurrency, sites, logger, random, checking, maintenance, saveRuntime, run, onCheckStarted }));
    const configChanged = (change: SiteChangeRecord) => pubsub.publish('site:changed', change);
    const incidents = (this.incidents = new OpenIncidents({ clock, dispatcher, incidentKeyOf, log, checking }));
    const sync = (this.sync = new SiteSync({ clock, sites, fence, effects, loop, renotifier, runs, incidents, log, checking, statusChanged, configChanged }));
    const intervalMs = config.engine.reconcileIntervalMs;
    const onInterval = () => this.catchUpWithWallClock();
    this.reconciler = new Reconciler({ db, clock, secretBox, fence, sites, maintenance, dispatcher, intervalMs, log, sync, onWindowsChanged, onInterval });
  }

  get running(): boolean {
    return this.started && !this.stopped;
  }

  get reloads(): number {
    return this.reloadCount;
  }

  /** False on a passive cluster member: nothing is checked, results and heartbeats are refused. */
  get active(): boolean {
    return this.activeFlag;
  }

  /** Started, not stopped, and active. */
  private get checking(): boolean {
    return this.running && this.activeFlag;
  }

  /** Checking, and the site is this instance's to check. */
  private checks(siteId: number): boolean {
    return this.checking && this.ownership.owns(siteId);
  }

  /** Loads channels, windows, sites and their persisted state and logs, then schedules every site. */
  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    await this.fence.read((epoch) => this.load(epoch));
    if (this.stopped) return;
    // Before the first checks: an outage the last stop left untold goes out before a recovery found now.
    await this.dispatcher.resumeKept();
    if (this.stopped) return;
    if (this.activeFlag) this.scheduleAll();
    this.seedRecent();
    this.reconciler.arm();
    this.maintenance.arm();
    this.statusPublisher.flush();
  }

  /**
   * Each site's newest results, read after the first checks are scheduled, a page of sites at a time between them:
   * at 50,000 sites with full histories the read takes tens of seconds, which must not delay the first checks. A page
   * read for a world a reload has replaced since is dropped.
   */
  private seedRecent(): void {
    const epoch = this.reloadCount;
    const siteIds = this.siteIds();
    this.seeding = (async () => {
      for (let i = 0; i < siteIds.length; i += SEED_PAGE_SITES) {
        const rows = await readRecentRows(this.db, siteIds.slice(i, i + SEED_PAGE_SITES));
        if (this.stopped || this.reloadCount !== epoch) return;
        this.seedRecentRows(rows);
      }
    })().catch((err: unknown) => this.logger.error({ err }, 'could not read the recent results of the sites; they fill as checks run'));
  }

  /**
   * Rows read while the engine ran: a site deleted meanwhile has already been forgotten, and its results would stay
   * for the life of the process.
   */
  private seedRecentRows(rows: readonly RecentRow[]): void {
    this.recent.seed(rows.filter((row) => this.sites.has(row.siteId)));
  }

  /** Resolves once the recent results read since the last start or reload are in (tests, benchmarks). */
  recentSeeded(): Promise<void> {
    return this.seeding;
  }

  /**
   * Channels, windows, sites with their persisted state, and the newest logs, as read at `epoch`. A reload keeps the
   * logs in memory, which already hold what was read at start, and the sites a newer read already brought in.
   * Answers the channels an edit pointed elsewhere since the last read (AlertDispatcher.reload).
   */
  private async load(epoch: number, reloading = false): Promise<MovedChannel[]> {
    const [fingerprint, sites, runtime, logs, moved] = await Promise.all([
      this.reconciler.readFingerprint(),
      loadSites(this.db, this.secretBox),
      loadRuntimeStates(this.db),
      readNewestLogs(this.db),
      this.dispatcher.reload(),
      this.maintenance.reload(),
    ]);
    if (this.stopped) return [];
    this.reconciler.trust(fingerprint);
    if (!reloading) this.eventLog.restore(logs);
    const persisted = new Map(runtime.map((row) => [row.siteId, row]));
    for (const site of sites) {
      if (!this.fence.admits(site.id, epoch) || (reloading && this.sites.has(site.id))) continue;
      const row = persisted.get(site.id);
      this.sync.add(site, row ? restoredState(site, row) : initialState(site), epoch);
    }
    return moved;
  }

  async reload(apply?: () => Promise<void>): Promise<void> {
    this.reloadCount++;
    if (!this.running) return apply?.();
    await this.effects.saveUnsaved(this.sites.values());
    // Taken with the channels as they are now, which the change may replace: see closeGone below.
    const held = this.incidents.held(this.sites.values());
    this.dropAll();
    // The old sites' writes land before `apply` replaces their rows, never after, on rows that may share their ids.
    await this.writer.writesDrained();
    try {
      await apply?.();
    } finally {
      if (!this.stopped) {
        // A reconcile that read while `apply` ran may have brought old sites back: they go again, and every read begun
        // before this point is fenced off them; what a later read brings in is the new world already.
        this.dropAll();
        const moved = await this.fence.read((epoch) => this.load(epoch, true));
        // A site the change replaced (an import) or dropped will never recover from what its old self opened.
        this.incidents.closeGone(held, (siteId) => this.sites.get(siteId));
        this.sync.channelsMoved(moved);
        if (!this.stopped && this.activeFlag) this.scheduleAll();
        this.reloadCount++;
        this.seedRecent();
        this.addLog(`Monitors reloaded: ${this.sites.size} loaded`, null);
        // The windows were reloaded too: their boundaries are timed afresh, groups and counts follow them.
        this.afterMaintenanceChange();
      }
    }
  }

  /** Forgets every site: timers, reminders, runtime state and recent results; results still in flight are discarded. */
  private dropAll(): void {
    for (const id of Array.from(this.sites.values(), (entry) => entry.site.id)) this.sync.forget(id);
  }

  /**
   * Ends every timer, aborts checks in progress and waits (bounded) for them and for alert sends, so `main` can then
   * stop the writer. Alerts waiting their turn go out meanwhile; those the bound leaves unsent stay unsent in the
   * outbox, for the next start (AlertDispatcher.stop). Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.stopped = true;
    this.loop.stop();
    this.renotifier.clearAll();
    this.statusPublisher.stop();
    this.reconciler.stop();
    this.maintenance.stop();
    this.abort.abort();
    const boundMs = this.config.engine.alertTimeoutMs;
    this.dispatcher.drainUntil(this.clock.nowMs() + boundMs);
    let bound: TimerHandle | null = null;
    await Promise.race([
      Promise.allSettled([this.loop.idle(), this.dispatcher.idle(), this.reconciler.inFlight]),
      new Promise<void>((resolve) => {
        bound = this.clock.setTimeout(resolve, boundMs);
      }),
    ]);
    if (bound) this.clock.clearTimeout(bound);
    await this.dispatcher.stop();
    await this.effects.saveUnsaved(this.sites.values());
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
      this.loop.cancelAll();
      this.renotifier.clearAll();
    }
    this.statusPublisher.markDirty();
  }

  /**
   * The cluster's leases changed. A site gained starts from what its last owner persisted (runtime state and recent
   * results) and runs when its next check is due, so a handover neither repeats a check nor leaves a gap; a site lost
   * stops here, its unsaved snapshot queued while this instance still holds the fence it was taken under.
   */
  async ownershipChanged(ownedBefore: (siteId: number) => boolean): Promise<void> {
    if (!this.running) return;
    const gained: SiteEntry[] = [];
    const lost: SiteEntry[] = [];
    for (const entry of this.sites.values()) {
      const id = entry.site.id;
      const owned = this.ownership.owns(id);
      if (owned === ownedBefore(id)) continue;
      (owned ? gained : lost).push(entry);
    }
    await Promise.all([this.letGo(lost), this.take(gained)]);
    this.statusPublisher.markDirty();
  }

  /**
   * Stops checking the sites, lets a check in progress finish and apply its result (it hit the target: the next owner
   * must not check again at once), at most HANDOVER_WAIT_MS, then queues each unsaved snapshot, so the next owner
   * starts from the last result.
   */
  private async letGo(entries: SiteEntry[]): Promise<void> {
    if (entries.length === 0) return;
    for (const entry of entries) {
      this.leaving.add(entry.site.id);
      this.loop.cancel(entry.site.id);
      this.renotifier.clear(entry.site.id);
    }
    let bound: TimerHandle | null = null;
    await Promise.race([
      Promise.all(entries.map((entry) => this.loop.settled(entry.site.id))),
      new Promise<void>((resolve) => (bound = this.clock.setTimeout(resolve, HANDOVER_WAIT_MS))),
    ]);
    if (bound) this.clock.clearTimeout(bound);
    const now = this.clock.now();
    for (const entry of entries) {
      this.leaving.delete(entry.site.id);
      if (entry.unsaved && this.sites.get(entry.site.id) === entry) this.effects.saveRuntime(entry, now);
    }
  }

  /**
   * Starts the sites from what their last owner saved, each checked when its next check is due: runtime state, recent
   * results, and the regional probes' fresh results, which the last owner held in memory only. Without those a site
   * the probes check would be checked from here at its first run (one only they can reach: a false DOWN and alert).
   */
  private async take(gained: SiteEntry[]): Promise<void> {
    if (gained.length === 0) return;
    const ids = gained.map((entry) => entry.site.id);
    const probed = gained.filter((entry) => takesProbeResults(entry.site)).map((entry) => ({ id: entry.site.id, interval: entry.site.interval }));
    const readAtMs = this.clock.nowMs();
    const [rows, recent, reports] = await Promise.all([
      loadRuntimeStates(this.db, ids),
      readRecentRows(this.db, ids),
      readProbeReports(this.db, probed, readAtMs),
    ]);
    const persisted = new Map(rows.map((row) => [row.siteId, row]));
    for (const id of ids) this.recent.remove(id);
    this.seedRecentRows(recent);
    const nowMs = this.clock.nowMs();
    for (const entry of gained) {
      const id = entry.site.id;
      if (this.sites.get(id) !== entry || !this.ownership.owns(id)) continue;
      const row = persisted.get(id);
      if (row) entry.state = restoredState(entry.site, row);
      const { hasSsl, certExpiresAt, lastCheckAt } = entry.state;
      const restored = (reports.get(id) ?? []).map((report) => ({ ...report, hasSsl, certExpiresAt }));
      this.probes.restore(id, entry.site.interval, restored, lastCheckAt?.getTime() ?? null, nowMs);
      this.effects.retally(entry);
      if (!this.checks(id) || entry.site.paused) continue;
      if (entry.site.type === 'PUSH') {
        this.loop.beginJudging(entry);
      } else {
        const dueMs = (entry.state.lastCheckAt?.getTime() ?? nowMs) + entry.site.interval * 1000;
        this.loop.schedule(id, Math.max(0, dueMs - nowMs));
      }
      this.renotifier.arm(entry);
      // As at start: a window that ended while no instance held the site left its held-back alert to this one.
      this.renotifier.alertHeldBack(entry);
    }
  }

  /** Another instance's check of a site it owns, as it published it: this copy's recent results follow, for reads. */
  mirrorCheck(check: CheckRecord): void {
    if (!this.sites.has(check.siteId) || this.ownership.owns(check.siteId)) return;
    this.recent.record(check.siteId, check.status, check.latencyMs, check.checkedAt);
  }

  /** Another instance's state of a site it owns, after a transition there: this copy takes it, for reads and counts. */
  mirrorState(state: LiveSiteState): void {
    const entry = this.sites.get(state.siteId);
    if (!entry || this.ownership.owns(state.siteId)) return;
    entry.state = withConfig(state, entry.site);
    this.effects.retally(entry);
    this.statusPublisher.markDirty();
  }

  // ---------------------------------------------------------------- EngineApi: reads

  getState(siteId: number): Readonly<LiveSiteState> | undefined {
    return this.sites.get(siteId)?.state;
  }

  siteIds(): number[] {
    return Array.from(this.sites.values(), (entry) => entry.site.id);
  }

  getSite(siteId: number): PublicSiteConfig | undefined {
    const entry = this.sites.get(siteId);
    return entry ? publicConfig(entry.site) : undefined;
  }

  displayStatus(siteId: number): DisplayStatus {
    const entry = this.sites.get(siteId);
    if (!entry) return 'PENDING';
    if (entry.site.paused) return 'PAUSED';
    if (this.maintenance.coversSite(entry.site)) return 'MAINTENANCE';
    return entry.state.status;
  }

  recentResults(siteId: number): RecentResult[] {
    return this.recent.get(siteId);
  }

  isInMaintenance(siteId: number): boolean {
    const entry = this.sites.get(siteId);
    return entry ? this.maintenance.coversSite(entry.site) : this.maintenance.covers(siteId, null);
  }

  status(): EngineStatusSnapshot {
    const { up, down, pending, paused, maintenance } = this.effects.counts;
    const { queueDepth, droppedTotal: droppedWrites, failing } = this.writer.stats;
    const checksPerMinute = this.effects.checksPerMinute(this.clock.nowMs());
    return {
      running: this.running,
      cluster: this.ownership.status?.() ?? null,
      sites: this.sites.size,
      up,
      down,
      pending,
      paused,
      maintenance,
      queueDepth,
      droppedWrites,
      writesFailingSince: failing?.since ?? null,
      writesFailing: failing?.error ?? null,
      checksPerMinute,
    };
  }

  logs(limit = LOG_RING_SIZE): LogRecord[] {
    return this.eventLog.newest(limit);
  }

  // ---------------------------------------------------------------- EngineApi: commands

  async siteChanged(siteId: number): Promise<void> {
    await this.fence.read(async (epoch) => {
      const [site] = await loadSites(this.db, this.secretBox, [siteId]);
      if (this.stopped) return;
      if (site) this.sync.upsertSite(site, epoch);
      else this.siteRemoved(siteId);
    });
  }

  siteRemoved(siteId: number): void {
    this.sync.siteRemoved(siteId);
  }

  /**
   * Checks the site now. The site of another instance is checked there: the request goes to it (`relay.checkNow`), and
   * this resolves once its state after the check comes back, bounded by the site's timeout and RELAYED_CHECK_MARGIN_MS;
   * a CheckElsewhereError when it cannot be asked or does not answer in time. `relayed`: asked by another instance,
   * which waits for this one's answer.
   */
  async checkNow(siteId: number, via: { relayed?: boolean } = {}): Promise<void> {
    if (!this.sites.has(siteId)) await this.siteChanged(siteId);
    const entry = this.sites.get(siteId);
    if (!entry) throw new UnknownSiteError(siteId);
    if (entry.site.paused || !this.checking) return;
    if (this.checks(siteId)) {
      await this.loop.trigger(siteId);
      // The asker waits for the state, which a run that changed nothing (or the probes' 'covered') did not publish.
      const state = this.sites.get(siteId)?.state;
      if (via.relayed && state) this.pubsub.publish('cluster:state', state);
      return;
    }
    // Asked by another instance that took it for this one's: it is neither's now, and the asker's wait runs out.
    if (via.relayed) return;
    await this.checkElsewhere(entry);
  }

  /** Has the instance that checks the site check it now, and waits for its state after the check (see checkNow). */
  private async checkElsewhere(entry: SiteEntry): Promise<void> {
    const siteId = entry.site.id;
    if (!this.relay?.checkNow) throw new CheckElsewhereError(siteId, 'unreachable');
    // Listening before asking: the answer may come back before the publish is confirmed.
    const answers = this.pubsub.subscribe('cluster:state')[Symbol.asyncIterator]();
    let next = answers.next();
    let bound: TimerHandle | null = null;
    const timedOut = new Promise<'timeout'>((resolve) => {
      bound = this.clock.setTimeout(() => resolve('timeout'), entry.site.timeout * 1000 + RELAYED_CHECK_MARGIN_MS);
    });
    try {
      if (!(await this.sent(this.relay.checkNow(siteId)))) throw new CheckElsewhereError(siteId, 'unreachable');
      for (;;) {
        const answer = await Promise.race([next, timedOut]);
        if (answer === 'timeout' || answer.done) throw new CheckElsewhereError(siteId, 'no-answer');
        if (answer.value.siteId === siteId) {
          this.mirrorState(answer.value);
          return;
        }
        next = answers.next();
      }
    } finally {
      if (bound) this.clock.clearTimeout(bound);
      void answers.return?.();
    }
  }

  /** Whether what the relay handed over left (see EngineRelay), waiting at most RELAY_WAIT_MS; never rejects. */
  private sent(receipt: Promise<boolean> | undefined): Promise<boolean> {
    if (!receipt) return Promise.resolve(true);
    let bound: TimerHandle | null = null;
    return Promise.race([
      receipt.then(
        (sent) => sent,
        () => false,
      ),
      new Promise<boolean>((resolve) => (bound = this.clock.setTimeout(() => resolve(false), RELAY_WAIT_MS))),
    ]).finally(() => {
      if (bound) this.clock.clearTimeout(bound);
    });
  }

  heartbeat(token: string, report: PushReport = {}, via: { relayed?: boolean } = {}): HeartbeatResult {
    if (!this.checking) return { ok: false, reason: 'inactive' };
    const entry = this.sites.byToken(token);
    if (!entry) return { ok: false, reason: 'unknown-token' };
    if (!this.ownership.owns(entry.site.id)) {
      // Another instance checks it: the beat goes there, once (a relayed beat is never relayed again).
      // The caller that can wait (`/api/push`) answers only once it left: a beat lost here must be retried by its sender.
      if (via.relayed || !this.relay) return { ok: false, reason: 'inactive' };
      return { ok: true, siteId: entry.site.id, relayed: this.sent(this.relay.heartbeat(token, report)) };
    }
    const now = this.clock.now();
    // A DOWN still waiting for its fresh period's deadline was never told: its end is no news either.
    const untold = alertWaits(entry, now.getTime());
    entry.pushFromMs = now.getTime();
    const silence = silenceOf(entry, this.maintenance);
    markBeat(entry, report.down === true, silence === 'maintenance', this.saveRuntime);
    if (report.down) {
      const obs = downBeat(entry.state, report.message, report.latencyMs, now);
      const t = handleStatusChange(entry.state, obs, entry.site, now, silence);
      this.commit(entry, t, checkRow(entry, now, 'DOWN', false, { latencyMs: obs.latencyMs, message: obs.reason }));
    } else {
      const t = applyHeartbeat(entry.state, entry.site, now, silence ?? (untold ? 'outage never told' : null));
      const latencyMs = report.latencyMs ?? 0;
      this.commit(entry, { ...t, next: { ...t.next, latencyMs } }, checkRow(entry, now, 'UP', true, { latencyMs, message: report.message || null }));
    }
    if (!entry.site.paused) this.loop.schedulePush(entry);
    // A failure reported while that DOWN waited is the job's own word: the outage is told now.
    this.renotifier.alertHeldBack(entry);
    return { ok: true, siteId: entry.site.id };
  }

  beatChangesStatus(token: string, report: PushReport = {}): boolean {
    const entry = this.sites.byToken(token);
    return entry !== undefined && beatChangesStatus(entry.state, report.down === true);
  }

  /**
   * A regional probe's results: each is a check row of its site with the probe's node id, and counts towards the verdict
   * the site's next run takes instead of checking it here (probe-results.ts). Results for sites this engine does not
   * check (unknown, paused, push, group) are left out, and those of sites another instance checks go to it (`relay`):
   * the caller that can wait (`/api/probe/results`) answers only once they left, as for beats, so that results lost
   * here are sent again by their probe.
   */
  ingestProbeResults(nodeId: string, results: readonly ProbeIngest[], via: { relayed?: boolean } = {}): ProbeIngestOutcome {
    if (!this.checking) return { taken: 0 };
    const nowMs = this.clock.nowMs();
    let taken = 0;
    const elsewhere: ProbeIngest[] = [];
    for (const r of results) {
      const entry = this.sites.get(r.siteId);
      if (!entry || !takesProbeResults(entry.site)) continue;
      if (!this.ownership.owns(r.siteId)) {
        elsewhere.push(r);
        continue;
      }
      // The probe's clock is not ours: no result is dated after it arrived.
      const takenMs = r.checkedAt?.getTime() ?? Infinity;
      const dated = takenMs <= nowMs;
      const checkedAt = new Date(dated ? takenMs : nowMs);
      // A probe sends a whole report again when part of it was refused (see relayed): what was taken here is not taken
      // again. Only the time its probe gave tells a result from a new one; a Go probe's, or one ahead, is dated here.
      if (dated && this.probes.holds(r.siteId, nodeId, checkedAt)) continue;
      const { status, latencyMs, statusCode, message, hasSsl, certExpiresAt } = r;
      this.probes.record(r.siteId, entry.site.interval, { nodeId, status, latencyMs, statusCode, message, hasSsl, certExpiresAt, checkedAt }, nowMs);
      this.effects.recordCheck(checkRow(entry, checkedAt, status, status === 'UP', { latencyMs, statusCode, message: message || null, nodeId }));
      taken++;
    }
    if (elsewhere.length === 0 || via.relayed || !this.relay) return { taken };
    return { taken, relayed: this.sent(this.relay.probeResults(nodeId, elsewhere)) };
  }

  async maintenanceChanged(): Promise<void> {
    await this.maintenance.reload();
    if (this.stopped) return;
    this.afterMaintenanceChange();
  }

  async alertChannelsChanged(): Promise<void> {
    const [links, moved] = await Promise.all([loadChannelLinks(this.db), this.dispatcher.reload()]);
    if (this.stopped) return;
    this.sync.applyLinks(links, moved);
  }

  /** Another process changed the database and said so (db/change-signal.ts): reconcile now, not at the next interval. */
  async reconcileNow(): Promise<void> {
    if (this.running) await this.reconciler.runNow();
  }

  /** Sends one alert of the outbox to its channel (src/cluster/outbox.ts). */
  deliverAlert(alertChannelId: number, alert: AlertMessage, via: StoredChannel | null): ReturnType<AlertDispatcher['deliver']> {
    return this.dispatcher.deliver(alertChannelId, alert, via);
  }

  async testAlert(alertChannelId: number): Promise<TestAlertResult> {
    return this.dispatcher.testAlert(alertChannelId);
  }

  /** Adds a line to the engine log (see EventLog); `persist` false keeps it in memory only. */
  addLog(message: string, siteId: number | null = null, persist = true): void {
    this.eventLog.add(message, siteId, persist);
  }

  /** Resolves once no check, alert send or reconcile is in flight (tests, orderly handovers). */
  async whenIdle(): Promise<void> {
    while (this.loop.running > 0 || this.dispatcher.pending > 0 || this.reconciler.inFlight) {
      await Promise.all([this.loop.idle(), this.dispatcher.idle(), this.reconciler.inFlight]);
    }
  }

  /** Also tells an outage whose alert a window held back, if the window ended while this engine was not checking. */
  private scheduleAll(): void {
    this.wallJumps.reset();
    this.loop.scheduleAll((entry) => {
      this.renotifier.arm(entry);
      this.renotifier.alertHeldBack(entry);
    });
  }

  /**
   * Timers wait on the monotonic clock, which a suspend stops: after a resume (or a step of the wall clock ahead) the
   * wall-clock deadlines passed meanwhile are looked at now, once. Beats refused while the machine slept are not
   * missed beats, so push deadlines count from now, as after a restart (DESIGN decision 9); window boundaries crossed
   * meanwhile are applied, and an alert a window held back goes out.
   */
  private catchUpWithWallClock(): void {
    const gainedMs = this.wallJumps.take();
    if (gainedMs === 0 || !this.checking) return;
    this.addLog(`The clock jumped ${formatDurationShort(gainedMs)} ahead (machine resumed?): push deadlines count from now`, null);
    const nowMs = this.clock.nowMs();
    for (const entry of this.sites.values()) {
      if (entry.site.type !== 'PUSH' || entry.site.paused || !this.checks(entry.site.id)) continue;
      startPushPeriod(entry, nowMs);
      this.loop.schedulePush(entry);
    }
    this.afterMaintenanceChange();
  }

  /**
   * Groups skip children in maintenance and the status counts them, so both follow every window boundary; an outage
   * whose alert a window held back is told once the window is over (after the groups, so none alerts a stale DOWN).
   */
  private afterMaintenanceChange(): void {
    for (const entry of this.sites.values()) this.effects.retally(entry);
    for (const groupId of this.sites.parentIds()) this.runs.reevaluateGroup(groupId);
    for (const entry of this.sites.values()) {
      this.loop.windowMayHaveEnded(entry);
      this.renotifier.alertHeldBack(entry);
    }
    this.statusPublisher.markDirty();
    this.maintenance.arm();
  }

  /** Applies a transition's effects, then what depends on the site's status: its reminders and its group. */
  private commit(entry: SiteEntry, t: Transition, check: CheckWrite | null): void {
    this.effects.apply(entry, t, check);
    if (t.changed) {
      this.renotifier.arm(entry);
      this.runs.reevaluateGroup(entry.site.parentId);
    }
  }
}

/** Probes check a site of an outbound type that is not paused: not a push monitor, not a group. */
function takesProbeResults(site: SiteEntry['site']): boolean {
  return !site.paused && site.type !== 'PUSH' && site.type !== 'GROUP';
}
