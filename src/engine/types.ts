import type { MonitorType, Site, SiteRuntimeState, SiteStatus } from '../generated/prisma/client.ts';
import type { Write } from '../writer/types.ts';

export type DisplayStatus = SiteStatus | 'PAUSED' | 'MAINTENANCE';

/*
 * The engine's three views of a site:
 * - EngineSite (sites.ts): the whole `Site` row as loaded, auth secret opened, channel ids joined; what checks run on.
 * - LiveSiteState: what the site is doing now, the persisted `SiteRuntimeState` plus the few columns the state machine reads.
 * - PublicSiteConfig: the row as the engine may hand it out, the auth secret reduced to whether one is stored.
 */

/** A site's runtime state as the engine holds it: the persisted `SiteRuntimeState` row plus the config it needs. */
export interface LiveSiteState extends Omit<SiteRuntimeState, 'updatedAt'> {
  name: string;
  type: MonitorType;
  parentId: number | null;
  paused: boolean;
}

/**
 * A site's configuration as the engine last loaded it: its `Site` columns, except that the auth secret, which the
 * engine holds opened, is only said to be stored or not.
 */
export type PublicSiteConfig = Omit<Site, 'authSecret'> & { hasAuthSecret: boolean };

/** One check as published on `site:checkCompleted`: the check row the writer stores, without the probe node. */
export type CheckRecord = Omit<Extract<Write, { kind: 'check' }>, 'kind' | 'nodeId'>;

/** One result as the engine keeps it in memory for a site's recent history (see recent-results.ts). */
export interface RecentResult {
  status: SiteStatus;
  latencyMs: number | null;
  checkedAt: Date;
}

export interface StateChangeRecord {
  siteId: number;
  from: SiteStatus;
  to: SiteStatus;
  reason: string;
  changedAt: Date;
}

/** A site's configuration as this engine now holds it, on `site:changed`: created, edited, paused, or removed. */
export interface SiteChangeRecord {
  siteId: number;
  removed: boolean;
}

export interface LogRecord {
  message: string;
  createdAt: Date;
  siteId: number | null;
}

/** This instance in a cluster (src/cluster): its id, the live members, and the slots of sites it leases. */
export interface ClusterStatus {
  instanceId: string;
  members: string[];
  slotsHeld: number;
  slotsTotal: number;
}

export interface EngineStatusSnapshot {
  running: boolean;
  /** Null for a single instance. */
  cluster: ClusterStatus | null;
  sites: number;
  up: number;
  down: number;
  pending: number;
  paused: number;
  maintenance: number;
  queueDepth: number;
  droppedWrites: number;
  /** Since when the database has refused the writer's writes (held and retried); null while it takes them. */
  writesFailingSince: Date | null;
  /** The database's latest refusal, while writesFailingSince is set. */
  writesFailing: string | null;
  checksPerMinute: number;
}

/**
 * A beat taken. `relayed` is there when the site is checked by another instance, to which the beat was handed
 * (EngineRelay): it resolves to whether the beat left for it (false: lost, e.g. Redis is away), within a bound.
 */
export type HeartbeatResult = { ok: true; siteId: number; relayed?: Promise<boolean> } | { ok: false; reason: 'unknown-token' | 'inactive' };

/** What a heartbeat reports beyond "alive" (Uptime Kuma's push URL: `?status=down&msg=...&ping=...`). */
export interface PushReport {
  /** The job reports a failure: counted like a failed check (retries, state machine), not like a missed deadline. */
  down?: boolean;
  /** Why it failed (DOWN) or what it says (UP); stored as the check's message. */
  message?: string;
  /** Latency the job measured, in milliseconds. */
  latencyMs?: number;
}

export interface TestAlertResult {
  ok: boolean;
  error: string;
}

/**
 * What the API and HTTP layers may ask of the engine. Services write through the writer first, then tell
 * the engine what changed so it takes effect at once.
 */
export interface EngineApi {
  readonly running: boolean;
  /** Counts `reload`s: what was read and kept of the sites before one (a cache) belongs to a world replaced since. */
  readonly reloads: number;
  /**
   * Live state of one site; undefined when the engine does not know it. The engine replaces a site's state object
   * whenever it moves on and never changes one in place, so what this returns stays a consistent snapshot without a
   * copy (a page of 50 sites asked for one per live field: 350 copies).
   */
  getState(siteId: number): Readonly<LiveSiteState> | undefined;
  /** Every site the engine holds, by id, in no particular order (what /metrics lists, reading each from memory). */
  siteIds(): number[];
  /** Configuration of one site as last loaded from the database, a copy; undefined when the engine does not know it. */
  getSite(siteId: number): PublicSiteConfig | undefined;
  displayStatus(siteId: number): DisplayStatus;
  /** The site's last results (at most 60), oldest first; empty when the engine does not know it. */
  recentResults(siteId: number): RecentResult[];
  /** A maintenance-type window covers the site now (global, direct, or on its group). */
  isInMaintenance(siteId: number): boolean;
  status(): EngineStatusSnapshot;
  /** Newest first, at most 100 held in memory. */
  logs(limit?: number): LogRecord[];
  /** A site was created or changed (config, pause): reload it and re-check at once. */
  siteChanged(siteId: number): Promise<void>;
  siteRemoved(siteId: number): void;
  /**
   * Runs a check now and resolves when its result has been applied; on an instance that does not check the site, by
   * the one that does (relayed), or rejects with a CheckElsewhereError when that one cannot be reached.
   */
  checkNow(siteId: number): Promise<void>;
  heartbeat(token: string, report?: PushReport): HeartbeatResult;
  /** Whether this beat would change the status of the token's monitor (see push.ts beatChangesStatus); false for an unknown token. */
  beatChangesStatus(token: string, report?: PushReport): boolean;
  /** Maintenance windows were created, ended or deleted. */
  maintenanceChanged(): Promise<void>;
  /** Alert channels or their links changed. */
  alertChannelsChanged(): Promise<void>;
  testAlert(alertChannelId: number): Promise<TestAlertResult>;
  /**
   * Replaces the engine's world: drops every site with its timers, runtime state and recent results, waits for the
   * writes they queued, runs `apply` (an import's transaction) if given, then loads everything as at start. The load
   * runs even when `apply` fails (then the unchanged world comes back), and `apply`'s error is rethrown.
   */
  reload(apply?: () => Promise<void>): Promise<void>;
}
