import type { Clock, TimerHandle } from '../clock.ts';
import { MAX_REDIRECTS } from '../engine/checks/redirect.ts';
import type { Checker, CheckResult, CheckTarget } from '../engine/checks/types.ts';
import { MAX_START_STAGGER_MS, MIN_INTERVAL_S } from '../engine/loop.ts';
import { Scheduler } from '../engine/scheduler.ts';
import type { Logger } from '../log.ts';
import { ProbeClient, ProbeRequestError } from './client.ts';
import { probeSite, type ProbeSite, type ResultItem } from './wire.ts';
import type { RequestText } from './request-text.ts';

// A site runs on its interval (at least MIN_INTERVAL_S) and its first checks are staggered, as in the engine's SiteLoop.

/** Assignments are fetched again this often: site changes reach the probe, and the server sees it alive (ONLINE < 60 s). */
export const REFRESH_MS = 30_000;
/** Results are posted at most this often (the server allows 30 requests a minute per client IP). */
export const REPORT_GAP_MS = 5_000;
/** Results posted in one request at most. */
export const REPORT_BATCH = 1000;
/** Results held while the server cannot be reached; beyond it the oldest are dropped (they would expire there anyway). */
export const MAX_PENDING = 10_000;
/** Retries after a failure wait 1 s, then twice as long each time, up to a minute. */
export const BACKOFF_MS = { first: 1000, max: 60_000 };
/** The Go original's probe runs at most 10 checks at once. */
export const CHECK_CONCURRENCY = 10;
/** At stop, the results still held get one last try, this long. */
const FINAL_REPORT_MS = 3000;

export interface ProbeAgentOptions {
  server: string;
  token: string;
  nodeId: string;
  region: string;
  name: string;
  version: string;
  clock: Clock;
  logger: Logger;
  checker: Checker;
  /** UPTOP_ALLOW_PRIVATE_TARGETS on the probe's host. TLS is verified unless a site says otherwise, as in Go. */
  allowPrivateTargets: boolean;
  random?: () => number;
  /** How requests to the central uptop are made (ProbeClientOptions.fetch). */
  fetch?: RequestText;
}

/** A site this probe checks: its check target and interval. */
interface Assigned {
  target: CheckTarget;
  intervalMs: number;
}

const TYPES = ['HTTP', 'PING', 'PORT', 'DNS'] as const;

/** A listed site as a check target; null for a type this probe does not check (push monitors and groups stay home). */
export function assignedOf(site: ProbeSite): Assigned | null {
  const type = TYPES.find((t) => t === site.Type.toUpperCase());
  if (!type || site.Paused) return null;
  const extra = site.Uptop;
  return {
    intervalMs: Math.max(site.Interval, MIN_INTERVAL_S) * 1000,
    target: {
      id: site.ID,
      name: site.Name,
      type,
      url: site.URL || null,
      hostname: site.Hostname || null,
      port: site.Port || null,
      timeout: site.Timeout || 5,
      method: site.Method || 'GET',
      acceptedCodes: site.AcceptedCodes || '200-299',
      checkSsl: site.CheckSSL,
      ignoreTls: site.IgnoreTLS,
      maxRedirects: extra?.MaxRedirects ?? MAX_REDIRECTS,
      dnsResolveType: site.DNSResolveType || null,
      dnsServer: site.DNSServer || null,
      httpHeaders: extra?.Headers ?? null,
      httpBody: extra?.Body ?? null,
      authType: extra?.AuthType ?? 'NONE',
      authUsername: extra?.AuthUsername ?? null,
      authSecret: extra?.AuthSecret ?? null,
      keyword: extra?.Keyword ?? null,
      keywordInvert: extra?.KeywordInvert ?? false,
    },
  };
}

/** A check's outcome as the results endpoint takes it: Go's four fields, then uptop's. */
export function resultItem(siteId: number, result: CheckResult, checkedAt: Date): ResultItem {
  return {
    site_id: siteId,
    ...(result.latencyMs !== null && { latency_ns: Math.round(result.latencyMs * 1e6) }),
    is_up: result.status === 'UP',
    ...(result.message && { error_reason: result.message }),
    status: result.status,
    status_code: result.statusCode,
    checked_at: checkedAt.toISOString(),
    has_ssl: result.hasSsl,
    cert_expires_at: result.certExpiresAt?.toISOString() ?? null,
  };
}

/** What went wrong, in one line: an error's own words and its cause's, if any. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

/** Waits that double after each failure and start over after a success. */
class Backoff {
  private next = BACKOFF_MS.first;

  failed(): number {
    const wait = this.next;
    this.next = Math.min(this.next * 2, BACKOFF_MS.max);
    return wait;
  }

  succeeded(): void {
    this.next = BACKOFF_MS.first;
  }
}

/**
 * `uptop probe`: registers with the central uptop, fetches its assignments and fetches them again every REFRESH_MS,
 * checks each site on its own interval with the engine's checkers (the engine's Scheduler, at most 10 at once), and
 * posts the results in batches at most every REPORT_GAP_MS. A server that cannot be reached is logged and retried
 * with backoff; the results wait (bounded) meanwhile, and the checks go on. No database: everything is in memory.
 */
export class ProbeAgent {
  private readonly client: ProbeClient;
  private readonly scheduler: Scheduler;
  private readonly abort = new AbortController();
  private readonly sites = new Map<number, Assigned>();
  private readonly pending: ResultItem[] = [];
  private readonly controlBackoff = new Backoff();
  private readonly reportBackoff = new Backoff();
  private registered = false;
  private stopped = false;
  private controlTimer: TimerHandle | null = null;
  private reportTimer: TimerHandle | null = null;
  private reporting: Promise<void> | null = null;
  private lastReportMs = -Infinity;
  private dropped = 0;
  private control: Promise<void> = Promise.resolve();

  constructor(private readonly options: ProbeAgentOptions) {
    const { server, token, clock, fetch } = options;
    this.client = new ProbeClient({ server, token, clock, signal: this.abort.signal, fetch });
    this.scheduler = new Scheduler(clock, CHECK_CONCURRENCY, {
      run: (siteId) => this.check(siteId),
      inline: () => false,
      nextDelay: (siteId) => this.sites.get(siteId)?.intervalMs ?? null,
      onError: (siteId, err) => options.logger.error({ err, siteId }, 'probe check failed'),
    });
  }

  /** The sites being checked now, by id. */
  get siteIds(): number[] {
    return [...this.sites.keys()];
  }

  /** Results measured and not yet accepted by the server. */
  get pendingResults(): number {
    return this.pending.length;
  }

  /** Registers and fetches the assignments (retrying until it can, with backoff); the rest runs on timers. */
  start(): void {
    this.runControl();
  }

  /** Resolves once the registration and assignment step in progress, if any, has ended (tests). */
  whenControlled(): Promise<void> {
    return this.control;
  }

  /** Resolves once no check and no report is in progress (tests). */
  async idle(): Promise<void> {
    while (this.scheduler.running > 0 || this.reporting) await Promise.all([this.scheduler.idle(), this.reporting]);
  }

  /** Ends every timer and check in progress, then gives the results still held one short last try. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { clock } = this.options;
    if (this.controlTimer) clock.clearTimeout(this.controlTimer);
    if (this.reportTimer) clock.clearTimeout(this.reportTimer);
    this.scheduler.stop();
    this.abort.abort(new Error('probe stopping'));
    await Promise.allSettled([this.scheduler.idle(), this.reporting, this.control]);
    if (!this.pending.length || !this.registered) return;
    const last = new AbortController();
    const timer = clock.setTimeout(() => last.abort(new Error('probe stopping')), FINAL_REPORT_MS);
    const batch = this.pending.slice(0, REPORT_BATCH);
    try {
      await this.client.report(this.options.nodeId, batch, last.signal);
      this.pending.splice(0, batch.length);
    } catch (err) {
      this.options.logger.warn({ reason: describe(err), results: this.pending.length }, 'results not reported before stopping');
    } finally {
      clock.clearTimeout(timer);
    }
  }

  private runControl(): void {
    this.controlTimer = null;
    if (this.stopped) return;
    this.control = this.controlStep().then((delayMs) => {
      if (!this.stopped) this.controlTimer = this.options.clock.setTimeout(() => this.runControl(), delayMs);
    });
  }

  /** Registers if not yet done, then refreshes the assignments; answers the wait until the next step. */
  private async controlStep(): Promise<number> {
    const { nodeId, region, name, version, logger, server } = this.options;
    try {
      if (!this.registered) {
        await this.client.register({ id: nodeId, name, region, version });
        this.registered = true;
        logger.info({ server, nodeId, region }, 'probe registered');
      }
      this.apply(await this.client.assignments(nodeId));
      this.controlBackoff.succeeded();
      return REFRESH_MS;
    } catch (err) {
      if (this.stopped) return 0;
      const retryInMs = this.controlBackoff.failed();
      const what = this.registered ? 'could not fetch assignments' : 'could not register';
      const hint = err instanceof ProbeRequestError && err.status === 401 ? ' (is the probe token right, and its owner still an ADMIN?)' : '';
      logger.error({ server, reason: describe(err) + hint, retryInMs }, what);
      return retryInMs;
    }
  }

  /** Takes a new list of assignments: new sites start (staggered), gone ones stop, changed ones run as changed. */
  private apply(listed: unknown[]): void {
    const { logger, random = Math.random } = this.options;
    const next = new Map<number, Assigned>();
    for (const raw of listed) {
      const parsed = probeSite.safeParse(raw);
      const assigned = parsed.success ? assignedOf(parsed.data) : null;
      if (assigned) next.set(assigned.target.id, assigned);
      else if (!parsed.success)
        logger.warn({ site: (raw as { ID?: unknown } | null)?.ID, reason: parsed.error.message }, 'skipping an assignment this probe cannot read');
    }
    const before = this.sites.size;
    for (const id of this.sites.keys()) if (!next.has(id)) this.scheduler.cancel(id);
    for (const [id, assigned] of next) {
      const known = this.sites.get(id);
      // An unchanged site keeps its entry, so a check in flight across the refresh still counts (see check()).
      if (known && JSON.stringify(known) === JSON.stringify(assigned)) continue;
      this.sites.set(id, assigned);
      if (!known) this.scheduler.schedule(id, random() * Math.min(assigned.intervalMs, MAX_START_STAGGER_MS));
    }
    for (const id of [...this.sites.keys()]) if (!next.has(id)) this.sites.delete(id);
    if (this.sites.size !== before) logger.info({ sites: this.sites.size }, 'assignments changed');
  }

  private async check(siteId: number): Promise<void> {
    const assigned = this.sites.get(siteId);
    if (!assigned) return;
    const { checker, allowPrivateTargets, clock } = this.options;
    const result = await checker(assigned.target, { allowPrivateTargets, insecureSkipVerify: false, signal: this.abort.signal, clock });
    // A site removed or changed while it was checked: the result speaks of what it no longer is.
    if (this.stopped || this.sites.get(siteId) !== assigned) return;
    this.pending.push(resultItem(siteId, result, clock.now()));
    if (this.pending.length > MAX_PENDING) {
      const over = this.pending.length - MAX_PENDING;
      this.pending.splice(0, over);
      if (this.dropped === 0) this.options.logger.warn({ max: MAX_PENDING }, 'results dropped: the server has not taken them for too long');
      this.dropped += over;
    }
    this.scheduleReport(0);
  }

  /** Arms the next report, no sooner than REPORT_GAP_MS after the last and `atLeastMs` from now. */
  private scheduleReport(atLeastMs: number): void {
    if (this.stopped || this.reportTimer || this.reporting || !this.pending.length) return;
    const { clock } = this.options;
    const wait = Math.max(atLeastMs, this.lastReportMs + REPORT_GAP_MS - clock.nowMs(), 0);
    this.reportTimer = clock.setTimeout(() => {
      this.reportTimer = null;
      this.reporting = this.report().then((retryInMs) => {
        this.reporting = null;
        this.scheduleReport(retryInMs);
      });
    }, wait);
  }

  /** Posts one batch; answers how long to wait at least before the next (a backoff after a failure). */
  private async report(): Promise<number> {
    const { clock, logger, nodeId } = this.options;
    // Results wait for the registration: the server must know the node's region before it takes them.
    if (!this.registered) return REPORT_GAP_MS;
    const batch = this.pending.slice(0, REPORT_BATCH);
    this.lastReportMs = clock.nowMs();
    try {
      await this.client.report(nodeId, batch);
      this.pending.splice(0, batch.length);
      this.reportBackoff.succeeded();
      if (this.dropped) logger.warn({ dropped: this.dropped }, 'the server takes results again; some were dropped meanwhile');
      this.dropped = 0;
      logger.debug({ results: batch.length }, 'results reported');
      return 0;
    } catch (err) {
      if (this.stopped) return 0;
      const retryInMs = this.reportBackoff.failed();
      logger.error({ reason: describe(err), pending: this.pending.length, retryInMs }, 'could not report results');
      return retryInMs;
    }
  }
}
