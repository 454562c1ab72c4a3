import type { Metric, Registry } from 'prom-client';
import type { EngineApi, LiveSiteState } from '../engine/types.ts';

type SiteLabels = Record<'id' | 'name' | 'type', string>;

/** What a scrape reads of the engine: its sites' live state, all in memory. */
export type MonitorSource = Pick<EngineApi, 'siteIds' | 'getState' | 'displayStatus'>;

/** Per-site checks since this process started; only ever grows while the site exists. */
interface CheckCounts {
  checks: number;
  up: number;
}

/**
 * One per-monitor family, registered in prom-client's registry as a metric whose values are replaced whole at each
 * refresh. A prom-client Gauge would hash and validate the labels of every one of 10,000 sites times nine families on
 * every scrape; this hands the registry the same `{ labels, value }` rows its metrics produce, with each site's label
 * object built once and shared by all nine.
 */
class SiteFamily {
  values: { labels: SiteLabels; value: number }[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter',
  ) {}

  async get() {
    return { name: this.name, help: this.help, type: this.type, values: this.values, aggregator: 'sum' };
  }
}

/**
 * The Go original's per-monitor series (uptop-behaviour.md §7), labelled `id,name,type` with the site's current name
 * and its type in lower case as the original wrote them, sites in id order. Values come from the engine's memory at
 * each scrape (`refresh`), never from the database, so a scrape of 10,000 monitors costs no query. The two counters
 * are counted here as results happen (`recordCheck`), so they grow for the life of the process whatever the site is
 * renamed to, and a deleted site's series disappear with it.
 */
export class MonitorMetrics {
  private readonly counts = new Map<number, CheckCounts>();
  /** Label objects per site, rebuilt only when a site's name or type changes. */
  private readonly labels = new Map<number, SiteLabels>();
  private readonly up = new SiteFamily('uptop_monitor_up', 'Whether the monitor is UP (1) or not (0).', 'gauge');
  private readonly latency = new SiteFamily('uptop_monitor_latency_seconds', 'Latency of the last check in seconds.', 'gauge');
  private readonly statusCode = new SiteFamily('uptop_monitor_status_code', 'HTTP status code of the last check (http monitors only).', 'gauge');
  private readonly checkedAt = new SiteFamily('uptop_monitor_check_timestamp_seconds', 'Unix time of the last check (absent until the first).', 'gauge');
  private readonly paused = new SiteFamily('uptop_monitor_paused', 'Whether the monitor is paused (1) or not (0).', 'gauge');
  private readonly maintenance = new SiteFamily('uptop_monitor_maintenance', 'Whether the monitor is shown in maintenance now (1) or not (0).', 'gauge');
  private readonly certExpiry = new SiteFamily(
    'uptop_monitor_cert_expiry_timestamp_seconds',
    'Unix time the TLS certificate expires (only when known).',
    'gauge',
  );
  private readonly checks = new SiteFamily('uptop_monitor_checks_total', 'Checks and heartbeats recorded since uptop started.', 'counter');
  private readonly upChecks = new SiteFamily('uptop_monitor_checks_up_total', 'Checks and heartbeats recorded UP since uptop started.', 'counter');
  private readonly families = [
    this.up,
    this.latency,
    this.statusCode,
    this.checkedAt,
    this.paused,
    this.maintenance,
    this.certExpiry,
    this.checks,
    this.upChecks,
  ];

  constructor(registry: Registry) {
    for (const family of this.families) registry.registerMetric(family as unknown as Metric);
  }

  /** One result of `siteId` (a check or a heartbeat), as the engine hands it to the writer. */
  recordCheck(siteId: number, up: boolean): void {
    let counts = this.counts.get(siteId);
    if (!counts) this.counts.set(siteId, (counts = { checks: 0, up: 0 }));
    counts.checks++;
    if (up) counts.up++;
  }

  /** Sets every series from the engine's memory: the sites it holds now, in id order. */
  refresh(engine: MonitorSource): void {
    for (const family of this.families) family.values = [];
    const ids = engine.siteIds().sort((a, b) => a - b);
    const present = new Set(ids);
    for (const id of ids) {
      const state = engine.getState(id);
      if (state) this.addSite(id, state, engine.displayStatus(id) === 'MAINTENANCE');
    }
    // A deleted site's counts go with it (its id is never given again).
    for (const id of this.counts.keys()) if (!present.has(id)) this.counts.delete(id);
    for (const id of this.labels.keys()) if (!present.has(id)) this.labels.delete(id);
  }

  private addSite(id: number, state: LiveSiteState, inMaintenance: boolean): void {
    const labels = this.labelsOf(id, state);
    const add = (family: SiteFamily, value: number) => family.values.push({ labels, value });
    add(this.up, state.status === 'UP' ? 1 : 0);
    add(this.latency, (state.latencyMs ?? 0) / 1000);
    if (state.type === 'HTTP') add(this.statusCode, state.statusCode ?? 0);
    if (state.lastCheckAt) add(this.checkedAt, state.lastCheckAt.getTime() / 1000);
    add(this.paused, state.paused ? 1 : 0);
    add(this.maintenance, inMaintenance ? 1 : 0);
    if (state.hasSsl && state.certExpiresAt) add(this.certExpiry, state.certExpiresAt.getTime() / 1000);
    const counts = this.counts.get(id);
    add(this.checks, counts?.checks ?? 0);
    add(this.upChecks, counts?.up ?? 0);
  }

  private labelsOf(id: number, state: LiveSiteState): SiteLabels {
    const type = state.type.toLowerCase();
    const known = this.labels.get(id);
    if (known && known.name === state.name && known.type === type) return known;
    const labels = { id: String(id), name: state.name, type };
    this.labels.set(id, labels);
    return labels;
  }
}
