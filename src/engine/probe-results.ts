import { microseconds, truncateMessage } from './checks/result.ts';
import type { CheckResult } from './checks/types.ts';

/** UPTOP_AGG_STRATEGY: how the probes' results of a site make one verdict (the Go original's three). */
export const AGG_STRATEGIES = ['any-down', 'majority-down', 'all-down'] as const;
export type AggStrategy = (typeof AGG_STRATEGIES)[number];

/** One probe's result for one site, as the owner keeps it. */
export interface ProbeReport {
  nodeId: string;
  status: CheckResult['status'];
  latencyMs: number | null;
  statusCode: number | null;
  /** Empty when UP. */
  message: string;
  hasSsl: boolean;
  certExpiresAt: Date | null;
  /** On the owner's clock: never later than when it arrived. */
  checkedAt: Date;
}

/**
 * What the probes say about a site at one of its runs: `none` when no probe result is fresh (the owner checks the site
 * itself), `covered` when probes are checking it but none reported since the last verdict (nothing new to count), or a
 * `verdict` over the newest fresh result of each probe.
 */
export type ProbeVerdict = { kind: 'none' } | { kind: 'covered' } | { kind: 'verdict'; result: CheckResult; checkedAt: Date };

const NONE: ProbeVerdict = { kind: 'none' };
const COVERED: ProbeVerdict = { kind: 'covered' };

/** A result counts for `max(3 × interval, 60 s)` after it was taken (§8), then it is dropped. */
export function resultTtlMs(intervalSeconds: number): number {
  return Math.max(3 * intervalSeconds * 1000, 60_000);
}

/** The newest of `reports` for which `pick` holds, if any. */
function newest(reports: readonly ProbeReport[], pick: (r: ProbeReport) => boolean): ProbeReport | undefined {
  let best: ProbeReport | undefined;
  for (const r of reports) if (pick(r) && (!best || r.checkedAt > best.checkedAt)) best = r;
  return best;
}

/**
 * One result from the newest result of each probe (non-empty): up unless any is down (`any-down`), unless more than
 * half are down (`majority-down`, a tie is down), or unless all are down (`all-down`). Latency is the mean of the
 * measured ones, as in the Go original; a DOWN reason names every probe that is down and why, where Go kept only the
 * reason of whichever probe reported last.
 */
export function aggregate(reports: readonly ProbeReport[], strategy: AggStrategy): CheckResult {
  const down = reports.filter((r) => r.status !== 'UP');
  const upCount = reports.length - down.length;
  const up = strategy === 'any-down' ? down.length === 0 : strategy === 'majority-down' ? upCount > reports.length / 2 : upCount > 0;
  const latencies = reports.flatMap((r) => (r.latencyMs === null ? [] : [r.latencyMs]));
  const latencyMs = latencies.length ? microseconds(latencies.reduce((a, b) => a + b, 0) / latencies.length) : null;
  const agreeing = newest(reports, (r) => (r.status === 'UP') === up);
  const ssl = newest(reports, (r) => r.hasSsl);
  const status = up ? 'UP' : down.every((r) => r.status === 'SSL_EXPIRED') ? 'SSL_EXPIRED' : 'DOWN';
  const reasons = down.map((r) => `${r.nodeId}: ${r.message || r.status}`).join('; ');
  return {
    status,
    statusCode: agreeing?.statusCode ?? null,
    latencyMs,
    hasSsl: ssl !== undefined,
    certExpiresAt: ssl?.certExpiresAt ?? null,
    message: up ? '' : truncateMessage(`DOWN from ${down.length} of ${reports.length} probes (${reasons})`),
  };
}

interface SiteReports {
  /** The newest result of each probe, by node id. */
  byNode: Map<string, ProbeReport>;
  /** A result arrived since the last verdict: the next run has something new to count. */
  news: boolean;
}

/**
 * The probes' results per site on the owner, and the verdict a site's run takes from them. The run, once per interval
 * of the site, is what counts a retry: however many probes report, and however often, an interval adds at most one
 * (the Go original counted every report, so three probes made three retries at once). Pure bookkeeping: times come in
 * as arguments.
 */
export class ProbeResults {
  private readonly sites = new Map<number, SiteReports>();

  constructor(private readonly strategy: AggStrategy) {}

  /**
   * Keeps a probe's result unless that probe already gave a newer one for the site, or it is already too old to count
   * (it still goes to the history: that is the caller's). Answers whether it was kept.
   */
  record(siteId: number, intervalSeconds: number, report: ProbeReport, nowMs: number): boolean {
    if (nowMs - report.checkedAt.getTime() > resultTtlMs(intervalSeconds)) return false;
    let site = this.sites.get(siteId);
    if (!site) this.sites.set(siteId, (site = { byNode: new Map(), news: false }));
    const held = site.byNode.get(report.nodeId);
    if (held && held.checkedAt > report.checkedAt) return false;
    site.byNode.set(report.nodeId, report);
    site.news = true;
    return true;
  }

  /** Whether the probe's result for the site taken at `checkedAt` is the one held: the same result, sent again. */
  holds(siteId: number, nodeId: string, checkedAt: Date): boolean {
    return this.sites.get(siteId)?.byNode.get(nodeId)?.checkedAt.getTime() === checkedAt.getTime();
  }

  /**
   * A site this instance has just taken over: the probes' newest results as its last owner stored them (rows with a
   * node id), merged with those held here, newest of each probe. A result can arrive here once the site is this
   * instance's but after those rows were read: it must not be lost to them. Each is kept as `record` would have kept
   * it live (so an expired one is not); the first run has news to count only if one is newer than the last verdict or
   * check the site's state says was applied (`lastCheckAtMs`), which the last owner already counted otherwise.
   */
  restore(siteId: number, intervalSeconds: number, reports: readonly ProbeReport[], lastCheckAtMs: number | null, nowMs: number): void {
    for (const report of reports) this.record(siteId, intervalSeconds, report, nowMs);
    const fresh = this.fresh(siteId, intervalSeconds, nowMs);
    if (fresh.length) this.sites.get(siteId)!.news = fresh.some((r) => lastCheckAtMs === null || r.checkedAt.getTime() > lastCheckAtMs);
  }

  /** What a run of the site at `nowMs` takes from the probes; expired results are dropped on the way. */
  verdict(siteId: number, intervalSeconds: number, nowMs: number): ProbeVerdict {
    const fresh = this.fresh(siteId, intervalSeconds, nowMs);
    if (!fresh.length) return NONE;
    const site = this.sites.get(siteId)!;
    if (!site.news) return COVERED;
    site.news = false;
    const checkedAt = newest(fresh, () => true)!.checkedAt;
    return { kind: 'verdict', result: aggregate(fresh, this.strategy), checkedAt };
  }

  /** The newest unexpired result of each probe for the site. */
  fresh(siteId: number, intervalSeconds: number, nowMs: number): ProbeReport[] {
    const site = this.sites.get(siteId);
    if (!site) return [];
    const ttl = resultTtlMs(intervalSeconds);
    for (const [nodeId, report] of site.byNode) if (nowMs - report.checkedAt.getTime() > ttl) site.byNode.delete(nodeId);
    if (site.byNode.size === 0) {
      this.sites.delete(siteId);
      return [];
    }
    return [...site.byNode.values()];
  }

  /** The site is gone, or measures something else now. */
  forget(siteId: number): void {
    this.sites.delete(siteId);
  }
}
