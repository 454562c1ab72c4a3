import type { EngineApi, LiveSiteState } from '../engine/types.ts';
import { inSteps } from '../turns.ts';
import type { ExpositionFormat } from './exposition.ts';

/** What a scrape reads of the engine: its sites' live state, all in memory. */
export type MonitorSource = Pick<EngineApi, 'siteIds' | 'getState' | 'displayStatus'>;

/** Per-site checks since this process started; only ever grows while the site exists. */
interface CheckCounts {
  checks: number;
  up: number;
}

/** A label value as both formats write it: backslash, double quote and line feed escaped. */
const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * Sites rendered per turn of the event loop: about 3 ms of work here. 10,000 monitors in one piece held the event
 * loop for 60 ms at every scrape, and the checks' timers with it.
 */
export const SITES_PER_STEP = 500;

/** Counted sites at which `recordCheck` first looks for deleted ones (see there). */
const FIRST_SWEEP_AT = 1024;

/** One per-monitor family; a scrape's sample lines are its own, as two scrapes may be under way at once. */
class SiteFamily {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter',
  ) {}

  /**
   * HELP, TYPE and samples, given as one chunk of lines per step (joining 10,000 lines at the end took 15–20 ms in one
   * piece). OpenMetrics names a counter's family without `_total`, which its samples keep.
   */
  render(format: ExpositionFormat, chunks: readonly string[]): string {
    const family = format === 'openmetrics' && this.type === 'counter' ? this.name.replace(/_total$/, '') : this.name;
    return `# HELP ${family} ${this.help}\n# TYPE ${family} ${this.type}\n${chunks.join('')}`;
  }
}

/**
 * The Go original's per-monitor series (uptop-behaviour.md §7), labelled `id,name,type` with the site's current name
 * and its type in lower case as the original wrote them, sites in id order. Values come from the engine's memory at
 * each scrape (`render`), never from the database, so a scrape of 10,000 monitors costs no query. The two counters
 * are counted here as results happen (`recordCheck`), so they grow for the life of the process whatever the site is
 * renamed to, and a deleted site's series disappear with it.
 */
export class MonitorMetrics {
  private readonly counts = new Map<number, CheckCounts>();
  private sweepAt = FIRST_SWEEP_AT;
  /**
   * Each site's rendered labels (`{id="1",name="web",type="http"}`), rebuilt only when its name or type changes. The
   * series are written as text here rather than through prom-client metrics: its rendering of 90,000 labelled samples
   * held the event loop for half a second at every scrape of 10,000 monitors.
   */
  private readonly labels = new Map<number, { name: string; type: string; text: string }>();
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

  /** One result of `siteId` (a check or a heartbeat), as the engine hands it to the writer. */
  recordCheck(siteId: number, up: boolean, engine: Pick<MonitorSource, 'getState'> | undefined): void {
    let counts = this.counts.get(siteId);
    if (!counts) {
      this.counts.set(siteId, (counts = { checks: 0, up: 0 }));
      // A scrape forgets deleted sites, but most servers are never scraped: each site ever created would stay here for
      // the life of the process. Forgetting them whenever the map has doubled since keeps it within twice the sites
      // that exist, at a cost spread over the checks.
      if (engine && this.counts.size >= this.sweepAt) {
        this.forgetDeleted(engine);
        this.sweepAt = Math.max(FIRST_SWEEP_AT, 2 * this.counts.size);
      }
    }
    counts.checks++;
    if (up) counts.up++;
  }

  /** Sites whose results are counted now, for tests. */
  get countedSites(): number {
    return this.counts.size;
  }

  /**
   * Every series from the engine's memory, the sites it held when the scrape began in id order, as exposition text,
   * SITES_PER_STEP sites per turn of the event loop. Each site's series are read in one turn, so they agree.
   */
  async render(engine: MonitorSource, format: ExpositionFormat): Promise<string> {
    const chunks = new Map(this.families.map((family) => [family, [] as string[]]));
    const ids = engine.siteIds().sort((a, b) => a - b);
    await inSteps(ids, SITES_PER_STEP, (slice) => {
      const lines = new Map(this.families.map((family) => [family, [] as string[]]));
      for (const id of slice) {
        const state = engine.getState(id);
        if (state) this.addSite(lines, id, state, engine.displayStatus(id) === 'MAINTENANCE');
      }
      for (const [family, stepLines] of lines) if (stepLines.length) chunks.get(family)!.push(`${stepLines.join('\n')}\n`);
    });
    // A deleted site's counts go with it (its id is never given again). Asked of the engine now, not of the ids the
    // scrape began with: a site created during the scrape keeps what it has counted.
    this.forgetDeleted(engine);
    for (const id of this.labels.keys()) if (!engine.getState(id)) this.labels.delete(id);
    return this.families.map((f) => f.render(format, chunks.get(f)!)).join('');
  }

  private forgetDeleted(engine: Pick<MonitorSource, 'getState'>): void {
    for (const id of this.counts.keys()) if (!engine.getState(id)) this.counts.delete(id);
  }

  private addSite(lines: Map<SiteFamily, string[]>, id: number, state: LiveSiteState, inMaintenance: boolean): void {
    const labels = this.labelsOf(id, state);
    const add = (family: SiteFamily, value: number) => lines.get(family)!.push(`${family.name}${labels} ${value}`);
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

  private labelsOf(id: number, state: LiveSiteState): string {
    const type = state.type.toLowerCase();
    const known = this.labels.get(id);
    if (known && known.name === state.name && known.type === type) return known.text;
    const text = `{id="${id}",name="${escapeLabel(state.name)}",type="${type}"}`;
    this.labels.set(id, { name: state.name, type, text });
    return text;
  }
}
