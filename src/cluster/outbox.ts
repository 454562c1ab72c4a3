import { parseStoredAlert, SENDS_PER_CHANNEL, sweepSentAlerts, type SendOutcome, type StoredChannel } from '../alerts/dispatcher.ts';
import type { AlertMessage } from '../alerts/types.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Tx, Writer } from '../writer/types.ts';

/** Rounds of the sender: how often due alerts are looked for. */
const ROUND_MS = 1_000;
/** A claimed alert is this instance's to send for this long; past it (a crash mid-send) another instance retries. */
const CLAIM_MS = 60_000;
/** Unsent alerts read per round, oldest first. */
const ROWS_PER_ROUND = 500;
/** A failing send is retried after 5 s, 10 s, 20 s … at most 10 minutes apart, and given up after this many tries. */
const MAX_ATTEMPTS = 8;
const MAX_BACKOFF_MS = 10 * 60_000;
/** Sent alerts are swept every SWEEP_EVERY rounds, once KEEP_SENT_MS old. */
const SWEEP_EVERY = 600;

export interface OutboxSenderOptions {
  instanceId: string;
  writer: Writer;
  clock: Clock;
  logger: Logger;
  /** Alerts of a site are sent by the instance that checks it, so one sender orders them. */
  owns(siteId: number): boolean;
  /** `via`: the channel as stored when a close was queued, to reach where its incident was opened. */
  deliver(alertChannelId: number, alert: AlertMessage, via: StoredChannel | null): Promise<SendOutcome & { gone: boolean }>;
  log(message: string, siteId: number | null): void;
}

interface Claimed {
  id: number;
  siteId: number;
  alertChannelId: number;
  payload: string;
  attempts: number;
}

type Outcome = { id: number; sent: true } | { id: number; sent: false; attempts: number; error: string; giveUp: boolean; retryAfterMs: number };

/**
 * Delivers the alerts the engine committed to the outbox with their state changes (DESIGN "Several instances"). Each
 * round claims, in one transaction, the oldest unsent alert of each site and channel among the sites this instance
 * checks (a later one waits for it, so a recovery never overtakes its outage), at most SENDS_PER_CHANNEL in flight
 * per channel as the dispatcher allows, sends them and records each outcome as its send ends. Rounds do not wait for
 * the sends of earlier ones: a channel whose receiver hangs until the deadline held every other channel's alerts
 * behind it. A claim lasts CLAIM_MS: the owner changing mid-send does not send it twice, since the new owner leaves a
 * claimed alert alone until the claim ends; only a crash between the send and its record can repeat one, which
 * providers with an idempotency key (PagerDuty's dedup_key) absorb.
 */
export class OutboxSender {
  private timer: TimerHandle | null = null;
  /** Rounds whose sends have not all been recorded yet. */
  private readonly rounds = new Set<Promise<void>>();
  /** The claim in progress: claims run one at a time, so two never take the same row. */
  private claiming: Promise<Claimed[]> | null = null;
  /** Rows being sent, by id, with their channel: not claimed again, and counted against the channel's sends. */
  private readonly sending = new Map<number, number>();
  /**
   * Outcomes whose record failed (the database went away after the send): written by the next claim, in its
   * transaction and before it reads, so the alert is neither claimed nor sent again meanwhile.
   */
  private readonly unrecorded = new Map<number, Outcome>();
  private stopped = false;
  private roundCount = 0;

  constructor(private readonly options: OutboxSenderOptions) {}

  start(): void {
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    while (this.rounds.size > 0) await Promise.allSettled([...this.rounds]);
    if (this.unrecorded.size === 0) return;
    await this.options.writer
      .submit((tx) => this.recordUnrecorded(tx))
      .then((recorded) => this.forget(recorded))
      .catch((err: unknown) =>
        this.options.logger.error({ err, alerts: this.unrecorded.size }, 'outbox: could not record sent alerts before stopping; they will be sent again'),
      );
  }

  /** One round now (tests); resolves once the alerts it claimed are sent and recorded. */
  round(): Promise<void> {
    return this.startRound().done;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      void this.startRound().claimed.finally(() => this.arm());
    }, ROUND_MS);
  }

  private startRound(): { claimed: Promise<unknown>; done: Promise<void> } {
    const claimed = this.claimInTurn();
    const done: Promise<void> = claimed
      .then((rows) => Promise.all(rows.map((row) => this.sendAndRecord(row))))
      .then(() => (++this.roundCount % SWEEP_EVERY === 0 ? this.sweep() : undefined))
      .then(
        () => {},
        (err: unknown) => this.options.logger.error({ err }, 'outbox: round failed'),
      )
      .finally(() => this.rounds.delete(done));
    this.rounds.add(done);
    return { claimed: claimed.catch(() => {}), done };
  }

  private claimInTurn(): Promise<Claimed[]> {
    const previous = this.claiming ?? Promise.resolve([]);
    const claim: Promise<Claimed[]> = previous
      .catch(() => [])
      .then(() => this.claim())
      .finally(() => {
        if (this.claiming === claim) this.claiming = null;
      });
    this.claiming = claim;
    return claim;
  }

  private async sendAndRecord(row: Claimed): Promise<void> {
    try {
      const outcome = await this.sendOne(row);
      await this.options.writer
        .submit((tx) => this.record(tx, outcome))
        .catch((err: unknown) => {
          this.unrecorded.set(outcome.id, outcome);
          this.options.logger.warn({ err, alertId: outcome.id }, 'outbox: could not record how an alert send ended; recording it with the next round');
        });
    } finally {
      this.sending.delete(row.id);
    }
  }

  /** Writes the outcomes left unrecorded; answers them, to forget once the transaction has committed. */
  private async recordUnrecorded(tx: Tx): Promise<Outcome[]> {
    const outcomes = [...this.unrecorded.values()];
    for (const o of outcomes) await this.record(tx, o);
    return outcomes;
  }

  private forget(recorded: readonly Outcome[]): void {
    for (const o of recorded) if (this.unrecorded.get(o.id) === o) this.unrecorded.delete(o.id);
  }

  private async claim(): Promise<Claimed[]> {
    const { writer, clock, instanceId: me, owns } = this.options;
    const { recorded, claimed } = await writer.submit(async (tx) => {
      const recorded = await this.recordUnrecorded(tx);
      const now = clock.now();
      const unsent = await tx.alertOutbox.findMany({
        where: { sentAt: null },
        orderBy: { id: 'asc' },
        take: ROWS_PER_ROUND,
        select: { id: true, siteId: true, alertChannelId: true, nextAttemptAt: true, claimedBy: true, claimedUntil: true },
      });
      const oldest = new Map<string, (typeof unsent)[number]>();
      for (const row of unsent) {
        const key = `${row.siteId}:${row.alertChannelId}`;
        if (!oldest.has(key)) oldest.set(key, row);
      }
      const busy = new Map<number, number>();
      for (const channelId of this.sending.values()) busy.set(channelId, (busy.get(channelId) ?? 0) + 1);
      const free = (row: (typeof unsent)[number]) =>
        !this.sending.has(row.id) && (row.claimedUntil === null || row.claimedUntil <= now || row.claimedBy === me);
      const ids: number[] = [];
      for (const row of oldest.values()) {
        if (!owns(row.siteId) || row.nextAttemptAt > now || !free(row)) continue;
        const sends = busy.get(row.alertChannelId) ?? 0;
        if (sends >= SENDS_PER_CHANNEL) continue;
        busy.set(row.alertChannelId, sends + 1);
        ids.push(row.id);
      }
      if (ids.length === 0) return { recorded, claimed: [] };
      const claimedUntil = new Date(now.getTime() + CLAIM_MS);
      // Tested again per row by the update: an alert another instance claimed meanwhile is not taken.
      await tx.alertOutbox.updateMany({
        where: { id: { in: ids }, sentAt: null, OR: [{ claimedUntil: null }, { claimedUntil: { lte: now } }, { claimedBy: me }] },
        data: { claimedBy: me, claimedUntil },
      });
      const claimed = await tx.alertOutbox.findMany({
        where: { id: { in: ids }, claimedBy: me, claimedUntil },
        select: { id: true, siteId: true, alertChannelId: true, payload: true, attempts: true },
      });
      return { recorded, claimed };
    });
    this.forget(recorded);
    for (const row of claimed) this.sending.set(row.id, row.alertChannelId);
    return claimed;
  }

  private async sendOne(row: Claimed): Promise<Outcome> {
    const attempts = row.attempts + 1;
    let outcome: SendOutcome & { gone: boolean };
    try {
      const { alert, via } = parseStoredAlert(row.payload);
      outcome = await this.options.deliver(row.alertChannelId, alert, via);
    } catch (err) {
      outcome = { ok: false, error: err instanceof Error ? err.message : String(err), gone: false };
    }
    if (outcome.ok) return { id: row.id, sent: true };
    const giveUp = outcome.gone || attempts >= MAX_ATTEMPTS;
    this.options.log(
      giveUp ? `Alert given up after ${attempts} attempt(s): ${outcome.error}` : `Alert send failed (attempt ${attempts}, will retry): ${outcome.error}`,
      row.siteId,
    );
    return { id: row.id, sent: false, attempts, error: outcome.error, giveUp, retryAfterMs: outcome.retryAfterMs ?? 0 };
  }

  /** `updateMany`: a row gone meanwhile (its site or channel deleted) must not fail the claim that carries it. */
  private record(tx: Tx, o: Outcome): Promise<unknown> {
    const now = this.options.clock.now();
    if (o.sent) return tx.alertOutbox.updateMany({ where: { id: o.id }, data: { sentAt: now, claimedBy: '', claimedUntil: null } });
    // A service that rate-limited the channel named when to come back; sooner would only be refused again.
    const backoff = Math.max(Math.min(5_000 * 2 ** (o.attempts - 1), MAX_BACKOFF_MS), o.retryAfterMs);
    return tx.alertOutbox.updateMany({
      where: { id: o.id },
      data: {
        attempts: o.attempts,
        lastError: o.error,
        claimedBy: '',
        claimedUntil: null,
        ...(o.giveUp ? { sentAt: now } : { nextAttemptAt: new Date(now.getTime() + backoff) }),
      },
    });
  }

  private sweep(): Promise<unknown> {
    return sweepSentAlerts(this.options.writer, this.options.clock);
  }
}
