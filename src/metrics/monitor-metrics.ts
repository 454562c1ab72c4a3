import { Counter, Gauge, type Registry } from 'prom-client';
import type { EngineApi, LiveSiteState } from '../engine/types.ts';

type SiteLabel = 'id' | 'name' | 'type';
type SiteLabels = Record<SiteLabel, string>;
const LABELS: SiteLabel[] = ['id', 'name', 'type'];

/** What a scrape reads of the engine: its sites' live state, all in memory. */
export type MonitorSource = Pick<EngineApi, 'siteIds' | 'getState' | 'displayStatus'>;

/** Per-site checks since this process started; only ever grows while the site exists. */
interface CheckCounts {
  checks: number;
  up: number;
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
  private readonly up: Gauge<SiteLabel>;
  private readonly latency: Gauge<SiteLabel>;
  private readonly statusCode: Gauge<SiteLabel>;
  private readonly checkedAt: Gauge<SiteLabel>;
  private readonly paused: Gauge<SiteLabel>;
  private readonly maintenance: Gauge<SiteLabel>;
  private readonly certExpiry: Gauge<SiteLabel>;
  private readonly checks: Counter<SiteLabel>;
  private readonly upChecks: Counter<SiteLabel>;

  constructor(registry: Registry) {
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: LABELS, registers: [registry] });
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: LABELS, registers: [registry] });
    this.up = gauge('uptop_monitor_up', 'Whether the monitor is UP (1) or not (0).');
    this.latency = gauge('uptop_monitor_latency_seconds', 'Latency of the last check in seconds.');
    this.statusCode = gauge('uptop_monitor_status_code', 'HTTP status code of the last check (http monitors only).');
    this.checkedAt = gauge('uptop_monitor_check_timestamp_seconds', 'Unix time of the last check (absent until the first).');
    this.paused = gauge('uptop_monitor_paused', 'Whether the monitor is paused (1) or not (0).');
    this.maintenance = gauge('uptop_monitor_maintenance', 'Whether the monitor is shown in maintenance now (1) or not (0).');
    this.certExpiry = gauge('uptop_monitor_cert_expiry_timestamp_seconds', 'Unix time the TLS certificate expires (only when known).');
    this.checks = counter('uptop_monitor_checks_total', 'Checks and heartbeats recorded since uptop started.');
    this.upChecks = counter('uptop_monitor_checks_up_total', 'Checks and heartbeats recorded UP since uptop started.');
  }

  /** One result of `siteId` (a check or a heartbeat), as the engine published it. */
  recordCheck(siteId: number, up: boolean): void {
    let counts = this.counts.get(siteId);
    if (!counts) this.counts.set(siteId, (counts = { checks: 0, up: 0 }));
    counts.checks++;
    if (up) counts.up++;
  }

  /** Sets every series from the engine's memory: the sites it holds now, in id order. */
  refresh(engine: MonitorSource): void {
    const metrics = [this.up, this.latency, this.statusCode, this.checkedAt, this.paused, this.maintenance, this.certExpiry, this.checks, this.upChecks];
    for (const metric of metrics) metric.reset();
    const ids = engine.siteIds().sort((a, b) => a - b);
    const present = new Set(ids);
    for (const id of ids) {
      const state = engine.getState(id);
      if (state) this.setSite(id, state, engine.displayStatus(id) === 'MAINTENANCE');
    }
    // A deleted site's counts go with it (its id is never given again).
    for (const id of this.counts.keys()) if (!present.has(id)) this.counts.delete(id);
    for (const id of this.labels.keys()) if (!present.has(id)) this.labels.delete(id);
  }

  private setSite(id: number, state: LiveSiteState, inMaintenance: boolean): void {
    const labels = this.labelsOf(id, state);
    this.up.set(labels, state.status === 'UP' ? 1 : 0);
    this.latency.set(labels, (state.latencyMs ?? 0) / 1000);
    if (state.type === 'HTTP') this.statusCode.set(labels, state.statusCode ?? 0);
    if (state.lastCheckAt) this.checkedAt.set(labels, state.lastCheckAt.getTime() / 1000);
    this.paused.set(labels, state.paused ? 1 : 0);
    this.maintenance.set(labels, inMaintenance ? 1 : 0);
    if (state.hasSsl && state.certExpiresAt) this.certExpiry.set(labels, state.certExpiresAt.getTime() / 1000);
    const counts = this.counts.get(id);
    this.checks.inc(labels, counts?.checks ?? 0);
    this.upChecks.inc(labels, counts?.up ?? 0);
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
