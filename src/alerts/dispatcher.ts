import pLimit, { type LimitFunction } from 'p-limit';
import type { Clock, TimerHandle } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { AlertChannel, AlertProvider } from '../generated/prisma/client.ts';
import type { Writer } from '../writer/types.ts';
import { raceAbort } from './abort.ts';
import type { SecretBox } from './crypto.ts';
import { closesIncident, siteIncidentKey, testIncidentKey } from './providers/incident-key.ts';
import { rateLimitWaitMs } from './rate-limit.ts';
import type { AlertEvent, AlertMessage, AlertProviderImpl, AlertSettings } from './types.ts';

export class UnknownAlertChannelError extends Error {
  override name = 'UnknownAlertChannelError';
  constructor(readonly alertChannelId: number) {
    super(`alert channel ${alertChannelId} does not exist`);
  }
}

export class AlertTimeoutError extends Error {
  override name = 'AlertTimeoutError';
}

/** A send that the stop of uptop ended before it did (see AlertDispatcher.drainUntil). */
class StoppedError extends Error {
  override name = 'StoppedError';
  constructor() {
    super('uptop stopped before the alert was sent');
  }
}

export interface SendOutcome {
  ok: boolean;
  /** Empty when ok. */
  error: string;
  /** When the service rate-limited the channel past the send's deadline: how long from now it asked to wait. */
  retryAfterMs?: number;
  /** uptop stopped before the send ended: no outcome of the channel's, and nothing recorded in its health. */
  stopped?: boolean;
}

class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** A channel as it is stored: what the outbox keeps of the channel an incident's close must reach. */
export type StoredChannel = Pick<AlertChannel, 'name' | 'provider' | 'settings'>;

/** A channel as one version of it was loaded. */
export interface Channel {
  id: number;
  name: string;
  provider: AlertProvider;
  settings: AlertSettings | null;
  /** Why the stored settings cannot be used (no key, damaged, not a JSON object); null when fine. */
  settingsError: string | null;
  /** The settings as stored (sealed when there is a key). */
  stored: string;
}

/** A channel an edit pointed elsewhere while incidents may be open where it pointed before. */
export interface MovedChannel {
  id: number;
  before: Channel;
  /** The channel now keeps incidents: those the site still has are opened again there. */
  keepsIncidents: boolean;
}

export interface DispatcherDeps {
  db: Db;
  writer: Writer;
  clock: Clock;
  config: Pick<Config, 'engine' | 'alertEndpoints' | 'checks'>;
  /** The installation's id (src/db/installation.ts), which a test alert's incident key carries. */
  installation: string;
  getProvider: (provider: AlertProvider) => AlertProviderImpl;
  secretBox?: SecretBox;
  /** The engine's log (memory ring, database, subscribers). */
  log: (message: string, siteId: number | null) => void;
  /** Sees the outcome of every send, test alerts included (metrics). */
  onSent?: (provider: AlertProvider, outcome: SendOutcome) => void;
  /**
   * A cluster's alerts are sent by the outbox's sender (src/cluster/outbox.ts), which delivers each intent once with
   * `deliver`; a single instance sends them itself, at once (see dispatch).
   */
  viaOutbox?: boolean;
}

/** An alert as the outbox stores it, which holds only a site's (see dispatch). */
type StoredAlert = Omit<AlertMessage, 'site' | 'timestamp' | 'incidentKey'> & {
  site: NonNullable<AlertMessage['site']>;
  timestamp: string;
  /** Absent from an alert stored by an uptop that knew no installation id: its incident is known by the key of then. */
  incidentKey?: string;
  via?: StoredChannel;
};

/** What a send waits for when its cause is stored already (an alert resumed from the outbox). */
const WRITTEN = Promise.resolve();

/** Sent alerts stay in the outbox this long (to see what went out), then are swept. */
export const KEEP_SENT_MS = 7 * 24 * 3_600_000;
/** How often a single instance sweeps them while it runs: every alert it sends leaves a row. */
export const SWEEP_SENT_EVERY_MS = 3_600_000;

/** Deletes the outbox's rows sent more than KEEP_SENT_MS ago. */
export function sweepSentAlerts(writer: Writer, clock: Clock): Promise<unknown> {
  return writer.submit((tx) => tx.alertOutbox.deleteMany({ where: { sentAt: { lt: new Date(clock.nowMs() - KEEP_SENT_MS) } } }));
}

/**
 * An alert as the outbox stores it: its JSON, with the timestamp as an ISO string, and for the close of an incident
 * the channel it goes to (`via`), as stored when the close was queued.
 */
export function parseStoredAlert(payload: string): { alert: AlertMessage; via: StoredChannel | null } {
  const { via, incidentKey, ...stored } = JSON.parse(payload) as StoredAlert;
  return {
    alert: { ...stored, timestamp: new Date(stored.timestamp), incidentKey: incidentKey ?? siteIncidentKey(null, stored.site.id, stored.event) },
    via: via ?? null,
  };
}

function decodeSettings(stored: string, secretBox: SecretBox | undefined): AlertSettings {
  const parsed: unknown = JSON.parse(secretBox ? secretBox.open(stored) : stored);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('settings are not a JSON object');
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]));
}

/**
 * Sends to one channel at once, at most. A hundred sites going down together made a hundred connections to one
 * webhook at the same instant; a receiver that serves fewer (a small ntfy or Gotify, a rate-limited chat webhook)
 * reset the rest, and those alerts were lost. The rest now wait their turn, each send's deadline starting with it.
 */
export const SENDS_PER_CHANNEL = 4;

/**
 * How long a deleted channel that keeps incidents is remembered. Its incidents are closed when it is unlinked (the
 * reload that retires it); what may still need it after that are the sends already queued, each ended by its
 * deadline, and outbox rows, given up within minutes of retries. A day covers both with room, including an instance
 * that learns of the deletion late; kept for ever, every such channel ever deleted stayed in memory.
 */
export const RETIRED_CHANNEL_KEEP_MS = 24 * 3_600_000;

/**
 * Sends alerts to channels off the check path. Each send has an overall deadline (on the injected clock) and the
 * per-request HTTP timeout, records alert health through the writer, logs failures, and never rejects.
 */
export class AlertDispatcher {
  private channels = new Map<number, Channel>();
  /**
   * Deleted channels whose service keeps incidents, as they last were: an incident one of them opened stays open
   * until told, so the close of it still reaches it (see channelFor). Nothing else is sent to them, and each is
   * forgotten RETIRED_CHANNEL_KEEP_MS after it was deleted.
   */
  private readonly retired = new Map<number, { channel: Channel; retiredAtMs: number }>();
  /** Sends started or waiting their turn; `idle()` and `pending` count both. */
  private readonly inFlight = new Set<Promise<void>>();
  /** The last send queued per site and channel (`<siteId>:<channelId>`), which the next one for that pair waits for. */
  private readonly queueTails = new Map<string, Promise<void>>();
  /** Each channel's SENDS_PER_CHANNEL slots, which every send to it takes, whatever its site. */
  private readonly slots = new Map<number, LimitFunction>();
  /**
   * Until when (ms) each channel's service asked, with a 429, not to be sent to. Every send to that channel waits,
   * not only the one refused: the limit is the service's, per webhook or key.
   */
  private readonly rateLimitedUntil = new Map<number, number>();
  /** When (ms) the drain of the engine's stop ends: no send starts at or after it, and none runs past it. */
  private drainEndsAtMs: number | null = null;
  private stopped = false;
  private sweepTimer: TimerHandle | null = null;

  constructor(private readonly deps: DispatcherDeps) {}

  /**
   * Reloads every channel (start, channel changes, reconcile), so a dispatch needs no database read. Answers the
   * channels whose incidents now live elsewhere (another provider, key or region): they were opened where the channel
   * pointed, and only a close sent there ends them.
   */
  async reload(): Promise<MovedChannel[]> {
    const rows = await this.deps.db.alertChannel.findMany();
    const before = this.channels;
    this.channels = new Map(rows.map((row) => [row.id, this.toChannel(row)]));
    const nowMs = this.deps.clock.nowMs();
    const moved: MovedChannel[] = [];
    for (const [id, channel] of before) {
      const now = this.channels.get(id);
      const home = this.incidentHome(channel);
      if (!now) {
        if (this.keepsIncidents(channel)) this.retired.set(id, { channel, retiredAtMs: nowMs });
      } else if (home !== null && home !== this.incidentHome(now)) {
        moved.push({ id, before: channel, keepsIncidents: this.incidentHome(now) !== null });
      }
    }
    for (const [id, { retiredAtMs }] of this.retired) if (nowMs - retiredAtMs >= RETIRED_CHANNEL_KEEP_MS) this.retired.delete(id);
    for (const [id, limit] of this.slots) if (!this.channels.has(id) && limit.activeCount + limit.pendingCount === 0) this.slots.delete(id);
    for (const id of this.rateLimitedUntil.keys()) if (!this.channels.has(id) && !this.retired.has(id)) this.rateLimitedUntil.delete(id);
    return moved;
  }

  /**
   * Fire and forget: one send per channel; channels that no longer exist are skipped. Sends for one site to one
   * channel go out one after the other, so a recovery never overtakes its outage (a PagerDuty resolve that arrives
   * before its trigger leaves the incident open). Each send ends by its own deadline, which starts when it starts,
   * so a dead channel holds that site's next alert for at most one deadline; other sites and channels do not wait.
   * Answers how many channels the alert was queued for.
   */
  dispatch(channelIds: readonly number[], alert: AlertMessage): number {
    const channels = channelIds.map((id) => this.channelFor(id, alert.event)).filter((c): c is Channel => c !== undefined && this.wants(c, alert.event));
    return this.route(channels, alert, false);
  }

  /**
   * Sends the close of an incident to channels as given, not as they are when the send's turn comes: to where the
   * incident was opened, whatever the channel points at by then (an edit, a delete, an import that reuses its id).
   * Only channels whose service keeps incidents hear it. Answers how many channels it was queued for.
   */
  closeAt(channels: readonly Channel[], alert: AlertMessage): number {
    return this.route(
      channels.filter((c) => this.keepsIncidents(c)),
      alert,
      true,
    );
  }

  /**
   * A site's alert goes to the outbox in the writer's batch of the state change that caused it, so a crash before its
   * send ends leaves it for the next start (resumeKept) instead of losing it with the process. A single instance also
   * sends it at once, and marks its row done when the send ends; a cluster's sender sends it from there.
   */
  private route(channels: readonly Channel[], alert: AlertMessage, pinned: boolean): number {
    const written = this.deps.viaOutbox ? WRITTEN : this.causeWritten();
    for (const channel of channels) {
      const key = alert.site ? this.queueIntent(channel, alert, alert.site.id, pinned) : null;
      if (key === null || !this.deps.viaOutbox) this.queue(channel, alert, pinned, key, written);
    }
    return channels.length;
  }

  /**
   * Resolves once the writes queued with an alert (its state change, the site's alert flags, its outbox row) have
   * been written. A single instance sends only then: a DOWN sent before its state change was saved, and a crash in
   * between, left the restart unaware of the outage, so its recovery was never sent and an incident stayed open. The
   * engine queues a transition's writes in the same synchronous step as its alerts (TransitionEffects.apply), so a
   * microtask later they all are. While the database refuses writes, alerts go out at once, as README promises, not
   * after the writer's next retry; a batch refused meanwhile counts as written (see Writer.writesDrained).
   */
  private causeWritten(): Promise<void> {
    if (this.deps.writer.stats.failing) return WRITTEN;
    return Promise.resolve().then(() => this.deps.writer.writesDrained());
  }

  /** The channel as it is now, deleted or not, when its service keeps incidents: where a close of one goes now. */
  incidentKeeper(id: number): Channel | undefined {
    const channel = this.channels.get(id) ?? this.retired.get(id)?.channel;
    return channel && this.keepsIncidents(channel) ? channel : undefined;
  }

  /**
   * `pinned`: sent to the channel as given (the close of an incident, see closeAt); otherwise to the channel as it is
   * when the send's turn comes: an edit (a new URL) applies to the alerts still waiting, and a deleted channel gets
   * none of them but the closes of its incidents. `outboxKey`: the alert's outbox row, null for one not stored there.
   * `written`: what the send waits for first (see causeWritten).
   */
  private queue(queued: Channel, alert: AlertMessage, pinned: boolean, outboxKey: string | null, written: Promise<void>): void {
    const siteId = alert.site?.id ?? null;
    const { id } = queued;
    const key = `${siteId}:${id}`;
    const deliver = () =>
      written.then(() =>
        this.slotsOf(id)(async () => {
          if (this.drainEnded()) return this.leaveUnsent(queued, alert);
          const channel = pinned ? queued : this.channelFor(id, alert.event);
          if (!channel) {
            this.deps.log(`Alert not sent (${queued.name}): the channel was deleted before its turn`, siteId);
            return this.markDone(outboxKey, 'the alert channel no longer exists', false);
          }
          const outcome = await this.send(channel, alert);
          if (outcome.stopped) return this.leaveUnsent(queued, alert);
          if (!outcome.ok) this.deps.log(`Alert send failed (${channel.name}): ${outcome.error}`, siteId);
          return this.markDone(outboxKey, outcome.error, true);
        }),
      );
    const previous = this.queueTails.get(key);
    const send: Promise<void> = (previous ? previous.then(deliver) : deliver())
      .catch(() => {})
      .finally(() => {
        this.inFlight.delete(send);
        if (this.queueTails.get(key) === send) this.queueTails.delete(key);
      });
    this.queueTails.set(key, send);
    this.inFlight.add(send);
  }

  /** Whether the stop's drain is over: past it, an alert waiting its turn is left for the next start. */
  private drainEnded(): boolean {
    return this.stopped || (this.drainEndsAtMs !== null && this.deps.clock.nowMs() >= this.drainEndsAtMs);
  }

  /**
   * An alert the stop left unsent stays unsent in the outbox, which the next start sends (see resumeKept). Only a
   * site's alerts are stored there: the others (none is queued today) are named in the log.
   */
  private leaveUnsent(channel: Channel, alert: AlertMessage): void {
    const siteId = alert.site?.id ?? null;
    if (!alert.site) {
      this.deps.log(`Alert not sent (${channel.name}): uptop stopped before its turn`, siteId);
      return;
    }
    this.deps.log(`Alert not sent yet (${channel.name}): uptop stopped first; it is sent when uptop starts again`, siteId);
  }

  /**
   * The alert's intent for the outbox, keyed by site, channel, event and time, so the same alert is never stored
   * twice; answers the key. The writer is the engine's, which stamps the site's fence: a stale owner's intents are
   * refused with its rows. A close carries its channel as stored (`via`), so it is sent there even after an edit or a
   * restart, and a key of its own: a recovery of the same instant is another alert (the close at an edited channel's
   * old home).
   */
  private queueIntent(channel: Channel, alert: AlertMessage, siteId: number, pinned: boolean): string {
    const via: StoredChannel | undefined = pinned ? { name: channel.name, provider: channel.provider, settings: channel.stored } : undefined;
    const payload = JSON.stringify(via ? { ...alert, via } : alert);
    const key = `${siteId}:${channel.id}:${alert.event}:${alert.timestamp.getTime()}${pinned ? ':pinned' : ''}`;
    this.deps.writer.enqueue({ kind: 'alertIntent', siteId, alertChannelId: channel.id, key, payload, createdAt: this.deps.clock.now() });
    return key;
  }

  /**
   * Sends one outbox row's alert to its channel, or to `via` for a close pinned to where its incident was opened;
   * `gone` when the channel was deleted since (nothing to retry).
   */
  async deliver(alertChannelId: number, alert: AlertMessage, via: StoredChannel | null = null): Promise<SendOutcome & { gone: boolean }> {
    const channel = via ? this.toChannel({ id: alertChannelId, ...via }) : this.channelFor(alertChannelId, alert.event);
    if (!channel) return { ok: false, error: 'the alert channel no longer exists', gone: true };
    return { ...(await this.send(channel, alert)), gone: false };
  }

  /**
   * At start, for a single instance (a cluster's sender sends them): the alerts the last run left unsent in the outbox
   * (a stop's drain ended first, or the process died mid-send), queued before any alert of this run and in the order
   * they were queued, so an untold outage still goes out before its recovery. Each is tried once, as every alert of a
   * single instance is, and its row marked done then. A single instance has no sender to sweep the rows done, so they
   * are swept here, at start and then every SWEEP_SENT_EVERY_MS.
   */
  async resumeKept(): Promise<void> {
    if (this.deps.viaOutbox) return;
    await sweepSentAlerts(this.deps.writer, this.deps.clock);
    this.armSweep();
    const rows = await this.deps.db.alertOutbox.findMany({
      where: { sentAt: null },
      orderBy: { id: 'asc' },
      select: { key: true, siteId: true, alertChannelId: true, payload: true },
    });
    for (const row of rows) {
      let stored: ReturnType<typeof parseStoredAlert>;
      try {
        stored = parseStoredAlert(row.payload);
      } catch (err) {
        this.deps.log(`Alert left unsent by the last run not sent: it cannot be read (${(err as Error).message})`, row.siteId);
        this.markDone(row.key, 'unreadable payload', false);
        continue;
      }
      const { alert, via } = stored;
      const channel = via ? this.toChannel({ id: row.alertChannelId, ...via }) : this.channelFor(row.alertChannelId, alert.event);
      if (channel) {
        this.queue(channel, alert, via !== null, row.key, WRITTEN);
        continue;
      }
      this.deps.log('Alert left unsent by the last run not sent: its channel was deleted meanwhile', row.siteId);
      this.markDone(row.key, 'the alert channel no longer exists', false);
    }
  }

  /**
   * Marks an alert's outbox row done once its send has ended (or cannot happen), so no start sends it again. Through
   * the writer's queue, behind the alert's intent: a command could overtake a long queue and find no row yet, and
   * while the database is away it is held with the intent and written after it.
   */
  private markDone(key: string | null, error: string, tried: boolean): void {
    if (key !== null) this.deps.writer.enqueue({ kind: 'alertDone', key, sentAt: this.deps.clock.now(), error, tried });
  }

  private armSweep(): void {
    if (this.stopped) return;
    this.sweepTimer = this.deps.clock.setTimeout(() => {
      sweepSentAlerts(this.deps.writer, this.deps.clock)
        .catch((err: unknown) => this.deps.log(`Sent alerts could not be swept from the outbox: ${(err as Error).message}`, null))
        .finally(() => this.armSweep());
    }, SWEEP_SENT_EVERY_MS);
  }

  /**
   * Sends the test alert to one channel, read fresh from the database, and reports the outcome once it is recorded.
   * A service that keeps incidents pages on-call until told otherwise: the test's own incident (its key is the test's,
   * see testIncidentKey) is closed as soon as it is open, so the test shows the channel works without leaving a page open.
   */
  async testAlert(alertChannelId: number): Promise<SendOutcome> {
    const row = await this.deps.db.alertChannel.findUnique({ where: { id: alertChannelId } });
    if (!row) throw new UnknownAlertChannelError(alertChannelId);
    const channel = this.toChannel(row);
    const timestamp = this.deps.clock.now();
    const test: AlertMessage = {
      event: 'test',
      title: '🧪 Test Alert',
      message: `Test notification from uptop for channel '${channel.name}'.`,
      site: null,
      timestamp,
      incidentKey: testIncidentKey(this.deps.installation, timestamp),
    };
    let outcome = await this.send(channel, test);
    if (outcome.ok && this.keepsIncidents(channel)) {
      const message = `The test of channel '${channel.name}' is over: nothing to do.`;
      const closed = await this.send(channel, { ...test, event: 'up', title: '🧪 Test Alert over', message });
      if (!closed.ok) outcome = { ok: false, error: `the test incident was opened but could not be closed: ${closed.error}` };
    }
    this.deps.log(outcome.ok ? `Test alert sent to '${channel.name}'` : `Test alert to '${channel.name}' failed: ${outcome.error}`, null);
    // Its health row written before the answer, so the channel in the answer, and a page showing it, counts this send.
    await this.deps.writer.flush();
    return outcome;
  }

  /** A renewal only closes an incident: channels whose service keeps none do not hear of it. */
  private wants(channel: Channel, event: AlertEvent): boolean {
    return event !== 'ssl_renewed' || this.keepsIncidents(channel);
  }

  private keepsIncidents(channel: Channel): boolean {
    return this.deps.getProvider(channel.provider).incidentHome !== undefined;
  }

  /** Where the channel's service keeps its incidents (see ProviderDefinition.incidentHome); null if it keeps none. */
  private incidentHome(channel: Channel): string | null {
    const home = this.deps.getProvider(channel.provider).incidentHome;
    return home && channel.settings ? `${channel.provider} ${home(channel.settings)}` : null;
  }

  /** The channel an alert goes to: a deleted one only for the close of an incident it may have opened. */
  private channelFor(id: number, event: AlertEvent): Channel | undefined {
    return this.channels.get(id) ?? (closesIncident(event) ? this.retired.get(id)?.channel : undefined);
  }

  private slotsOf(channelId: number): LimitFunction {
    let limit = this.slots.get(channelId);
    if (!limit) this.slots.set(channelId, (limit = pLimit(SENDS_PER_CHANNEL)));
    return limit;
  }

  /**
   * The engine is stopping: alerts waiting their turn still go out until `endsAtMs` (a bounded drain, as a graceful
   * HTTP shutdown lets its requests finish), none starts at or after it, and a send that starts now ends by then. A
   * send started before runs to its own deadline, which is no later.
   */
  drainUntil(endsAtMs: number): void {
    this.drainEndsAtMs = endsAtMs;
  }

  /**
   * Ends the drain and waits for every send (each ends by the drain's end). What the stop left unsent stays unsent in
   * the outbox, for the next start (resumeKept); the engine stops before the writer, which writes the marks of the
   * sends that ended. A send the drain's end cut may have reached its service already: sent again at the next start,
   * it may arrive twice.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) this.deps.clock.clearTimeout(this.sweepTimer);
    await this.idle();
  }

  /** Resolves when every send in progress has ended (each ends by its own deadline). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  private toChannel(row: StoredChannel & { id: number }): Channel {
    const { id, name, provider, settings: stored } = row;
    try {
      return { id, name, provider, settings: decodeSettings(stored, this.deps.secretBox), settingsError: null, stored };
    } catch (err) {
      return { id, name, provider, settings: null, settingsError: `unusable settings: ${(err as Error).message}`, stored };
    }
  }

  /**
   * One alert to one channel, recorded once in its health whatever it took. A 429 is waited out as the service asks
   * and the alert sent again, within the same deadline; any other failure ends the send.
   */
  private async send(channel: Channel, alert: AlertMessage): Promise<SendOutcome> {
    const { clock, config } = this.deps;
    const controller = new AbortController();
    const timeoutMs = config.engine.alertTimeoutMs;
    const ownDeadlineMs = clock.nowMs() + timeoutMs;
    // A send started while the engine stops ends with the drain, if that comes first.
    const cutMs = this.drainEndsAtMs !== null && this.drainEndsAtMs <= ownDeadlineMs ? this.drainEndsAtMs : null;
    const deadlineMs = cutMs ?? ownDeadlineMs;
    const timer = clock.setTimeout(
      () => controller.abort(cutMs === null ? new AlertTimeoutError(`alert send timed out after ${timeoutMs} ms`) : new StoppedError()),
      deadlineMs - clock.nowMs(),
    );
    let outcome: SendOutcome;
    try {
      if (!channel.settings) throw new Error(channel.settingsError ?? 'unusable settings');
      let refusal = 'the service rate-limited this channel';
      for (;;) {
        await this.waitOutRateLimit(channel.id, deadlineMs, refusal, controller.signal);
        try {
          const sending = this.deps.getProvider(channel.provider).send(channel.settings, alert, {
            signal: controller.signal,
            httpTimeoutMs: config.engine.alertHttpTimeoutMs,
            endpoints: config.alertEndpoints,
            allowPrivateTargets: config.checks.allowPrivateTargets,
            wait: (ms) => this.pause(ms, controller.signal),
          });
          // A provider that ignores the signal still cannot hold the send past its deadline.
          await raceAbort(sending, controller.signal);
          break;
        } catch (err) {
          const waitMs = rateLimitWaitMs(err, clock.nowMs());
          if (waitMs === null) throw err;
          refusal = (err as Error).message;
          this.rateLimitedUntil.set(channel.id, Math.max(this.rateLimitedUntil.get(channel.id) ?? 0, clock.nowMs() + waitMs));
        }
      }
      outcome = { ok: true, error: '' };
    } catch (err) {
      outcome = { ok: false, error: err instanceof Error ? err.message : String(err) };
      if (err instanceof RateLimitedError) outcome.retryAfterMs = err.retryAfterMs;
      // A wait for a rate limit that would outlast the drain is the stop's doing too.
      if (controller.signal.reason instanceof StoppedError || (cutMs !== null && err instanceof RateLimitedError)) return { ...outcome, stopped: true };
    } finally {
      clock.clearTimeout(timer);
    }
    this.deps.writer.enqueue({ kind: 'alertHealth', alertChannelId: channel.id, sentAt: clock.now(), ok: outcome.ok, error: outcome.error });
    this.deps.onSent?.(channel.provider, outcome);
    return outcome;
  }

  /** Waits until the channel's service takes requests again; fails at once if that is past this send's deadline. */
  private async waitOutRateLimit(channelId: number, deadlineMs: number, refusal: string, signal: AbortSignal): Promise<void> {
    const { clock } = this.deps;
    const until = this.rateLimitedUntil.get(channelId) ?? 0;
    const waitMs = until - clock.nowMs();
    if (waitMs <= 0) {
      if (until !== 0) this.rateLimitedUntil.delete(channelId);
      return;
    }
    if (until >= deadlineMs) {
      throw new RateLimitedError(`${refusal}; it asks to wait ${Math.ceil(waitMs / 1000)} s, past the alert's deadline`, waitMs);
    }
    await this.pause(waitMs, signal);
  }

  /** Waits `ms` on the clock, or rejects as soon as `signal` fires. */
  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    const { clock } = this.deps;
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    try {
      await raceAbort(new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, ms))), signal);
    } finally {
      if (timer) clock.clearTimeout(timer);
    }
  }
}
