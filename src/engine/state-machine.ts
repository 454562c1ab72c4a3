import type { AlertEvent } from '../alerts/types.ts';
import type { MonitorType, SiteStatus } from '../generated/prisma/client.ts';
import { OUTAGE_CLOSED } from './incident-keys.ts';
import { isDeadlineReason } from './push.ts';
import { afterSent, judgeCertificate, type SslVerdict } from './ssl-warning.ts';
import type { LiveSiteState, StateChangeRecord } from './types.ts';

/** Only these two count as an outage: they alert, and they are downtime in the SLA. */
export function isBroken(status: SiteStatus): boolean {
  return status === 'DOWN' || status === 'SSL_EXPIRED';
}

/** One result to fold into a site's state: an outbound check's outcome or a missed push deadline. */
export interface Observation {
  status: SiteStatus;
  statusCode: number | null;
  latencyMs: number | null;
  hasSsl: boolean;
  certExpiresAt: Date | null;
  /** Empty when UP. */
  reason: string;
  /** What to store as lastCheckAt: when the check finished; for a push deadline the heartbeat time, unchanged. */
  checkedAt: Date | null;
}

/** The part of a site's configuration the state machine reads. */
export interface SiteRules {
  name: string;
  type: MonitorType;
  maxRetries: number;
  checkSsl: boolean;
  expiryThreshold: number;
}

export interface AlertIntent {
  event: AlertEvent;
  title: string;
  message: string;
}

/**
 * Why a site's alerts are held back: a maintenance window covers it, it is paused, or (a push monitor's recovery only)
 * its outage was never told, its DOWN waiting for the fresh period a window's end gave it (push-windows.ts).
 */
export type Silence = 'maintenance' | 'paused' | 'outage never told';

/** A site's next state and what must happen because of it. */
export interface Transition {
  next: LiveSiteState;
  /** The status differs from before. */
  changed: boolean;
  /** To record and publish; never for a change from PENDING. */
  stateChange: StateChangeRecord | null;
  logs: readonly string[];
  /** Alerts to send; already empty when they were silenced (the logs say so). */
  alerts: readonly AlertIntent[];
}

const NONE: readonly never[] = Object.freeze([]);

export const TITLE_DOWN = '🚨 ALERT';
export const TITLE_RECOVERY = '✅ RECOVERY';
export const TITLE_SSL = 'SSL WARNING';
export const TITLE_SSL_RENEWED = 'SSL RENEWED';

function sslAlert(name: string, verdict: NonNullable<SslVerdict>): AlertIntent {
  switch (verdict.kind) {
    case 'expiring':
      return { event: 'ssl_expiring', title: TITLE_SSL, message: sslWarningMessage(name, verdict.days) };
    case 'replaced':
      return { event: 'ssl_expiring', title: TITLE_SSL, message: `SSL for '${name}' renewed, but the new certificate expires in ${verdict.days} days` };
    case 'renewed':
      return { event: 'ssl_renewed', title: TITLE_SSL_RENEWED, message: `SSL for '${name}' renewed, expires in ${verdict.days} days` };
  }
}

/** Go's fmtDurationShort: `42s`, `5m`, `3h 12m`, `2d 4h`. */
export function formatDurationShort(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** ` (was down 5m)`, or nothing when the outage start is unknown. */
function downFor(since: Date | null, now: Date): string {
  return since ? ` (was down ${formatDurationShort(now.getTime() - since.getTime())})` : '';
}

/** The SSL warning's text, also used when the warning moves to where its channel now points. */
export function sslWarningMessage(name: string, days: number): string {
  return `SSL for '${name}' expires in ${days} days`;
}

/** The DOWN alert's text, also used by re-notifications. */
export function downMessage(rules: Pick<SiteRules, 'name' | 'type'>, status: SiteStatus, reason: string): string {
  if (rules.type === 'PUSH') {
    // A job that reports its own failure (`?status=down&msg=…`) is not a missed heartbeat: its message says what broke.
    return !reason || isDeadlineReason(reason) ? `Push Monitor '${rules.name}' missed heartbeat.` : `Push Monitor '${rules.name}' reported DOWN: ${reason}`;
  }
  return reason ? `Monitor '${rules.name}' is DOWN: ${reason}` : `Monitor '${rules.name}' is DOWN (${status})`;
}

class Effects {
  logs: string[] | readonly never[] = NONE;
  alerts: AlertIntent[] | readonly never[] = NONE;

  log(message: string): void {
    if (this.logs === NONE) this.logs = [];
    (this.logs as string[]).push(message);
  }

  alert(intent: AlertIntent, silence: Silence | null, suppressedLog: (why: Silence) => string): boolean {
    if (silence) {
      this.log(suppressedLog(silence));
      return false;
    }
    if (this.alerts === NONE) this.alerts = [];
    (this.alerts as AlertIntent[]).push(intent);
    return true;
  }

  /**
   * The DOWN alert of an outage beginning, which sets `lastAlertAt` when sent. While a recovery held back by a silence
   * is still owed (see recoveryOwed), the receivers never heard the last outage end: to them this is the same one, so it
   * is not told again, neither now nor when the silence ends (a second DOWN, the recovery between never told).
   */
  down(name: string, prev: LiveSiteState, next: LiveSiteState, intent: AlertIntent, silence: Silence | null, now: Date): void {
    if (prev.lastAlertAt) {
      this.log(`Monitor '${name}' is DOWN again before its recovery was told: the same outage to its receivers`);
      return;
    }
    const sent = this.alert(intent, silence, (why) => `Monitor '${name}' is DOWN (alerts suppressed — ${why})`);
    next.lastAlertAt = sent ? now : null;
  }
}

/**
 * `lastAlertAt` of a site that came back UP: null once its recovery is told, which closes the incident (and ends the
 * key it kept, see incident-keys.ts); while a silence holds the recovery back, the time of the outage's alert stays, so
 * the recovery is owed (Renotifier.alertHeldBack sends it when the silence ends). An outage whose own alert was never
 * sent owes nothing. Without it, the PagerDuty incident or Opsgenie alert of an outage that ended in a maintenance
 * window stayed open for good, and a chat's last word stayed DOWN.
 */
function recoveryOwed(prev: LiveSiteState, told: boolean): Pick<LiveSiteState, 'lastAlertAt' | 'legacyOutageKey'> {
  return told ? OUTAGE_CLOSED : { lastAlertAt: prev.lastAlertAt, legacyOutageKey: prev.legacyOutageKey };
}

/**
 * Whether a group's status has been judged. PENDING that only means "not judged yet" is no status to leave, so a change
 * from it is never recorded (the Go original); but a group judged before returns to PENDING when a child it counts is
 * new, and its way out of that PENDING is a change like any other, or its history would stop at PENDING.
 */
function groupJudged(prev: LiveSiteState): boolean {
  return prev.status !== 'PENDING' || prev.statusChangedAt !== null;
}

/**
 * The Go original's handleStatusChange as a pure function: `prev` plus one observation gives the next state and its
 * effects. Its stale-result guard is the caller's: the engine orders results by its own sequence, not by wall time.
 */
export function handleStatusChange(prev: LiveSiteState, obs: Observation, rules: SiteRules, now: Date, silence: Silence | null): Transition {
  const up = obs.status === 'UP';

  const next: LiveSiteState = {
    ...prev,
    statusCode: obs.statusCode,
    latencyMs: obs.latencyMs,
    lastCheckAt: obs.checkedAt,
    hasSsl: obs.hasSsl,
    certExpiresAt: obs.certExpiresAt,
    lastError: up ? '' : obs.reason,
  };
  if (up) next.lastSuccessAt = now;

  const fx = new Effects();
  let confirmedDown = false;
  let failedCheck = false;
  if (up) {
    next.failureCount = 0;
    next.status = 'UP';
  } else {
    if (next.failureCount <= rules.maxRetries) next.failureCount++;
    if (next.failureCount > rules.maxRetries) {
      confirmedDown = next.status !== obs.status;
      next.status = obs.status;
      next.failureCount = rules.maxRetries + 1;
    } else {
      failedCheck = true;
    }
  }

  const changed = next.status !== prev.status;
  if ((changed && prev.status !== 'PENDING') || (!next.statusChangedAt && next.status !== 'PENDING')) {
    next.statusChangedAt = now;
  }

  let ssl: SslVerdict = null;
  if (rules.type === 'HTTP' && rules.checkSsl && next.hasSsl && next.certExpiresAt) {
    const judged = judgeCertificate(next, next.certExpiresAt, obs.status === 'SSL_EXPIRED', rules.expiryThreshold, now);
    next.sslRenewalChecks = judged.renewalChecks;
    ssl = judged.verdict;
  }

  const name = rules.name;
  if (confirmedDown) {
    fx.log(obs.reason ? `Monitor '${name}' confirmed DOWN: ${obs.reason}` : `Monitor '${name}' confirmed DOWN`);
  } else if (failedCheck) {
    fx.log(`Monitor '${name}' failed check ${next.failureCount}/${rules.maxRetries}`);
  }

  if (ssl && next.certExpiresAt) {
    // The Go original marked a silenced warning as sent, so a certificate that crossed the threshold during a window
    // was told of only once it had expired. A warning or renewal held back waits instead, for the first check after the
    // silence: the warning's incident (PagerDuty, Opsgenie) stays open until told of the renewal.
    const sent = fx.alert(sslAlert(name, ssl), silence, (why) =>
      ssl.kind === 'renewed' ? `${sslAlert(name, ssl).message} (closing its warning waits: ${why})` : `SSL warning for '${name}' suppressed (${why})`,
    );
    if (sent) Object.assign(next, afterSent(next, ssl, next.certExpiresAt));
    if (sent && ssl.kind === 'renewed') fx.log(sslAlert(name, ssl).message);
  }

  if (prev.status === 'UP' && next.status === 'LATE') fx.log(`Monitor '${name}' heartbeat overdue`);

  if (!isBroken(prev.status) && isBroken(next.status)) {
    fx.down(name, prev, next, { event: 'down', title: TITLE_DOWN, message: downMessage(rules, obs.status, obs.reason) }, silence, now);
  }
  if (isBroken(prev.status) && next.status === 'UP') {
    const was = downFor(prev.statusChangedAt, now);
    fx.log(`Monitor '${name}' recovered${was}`);
    const told = fx.alert(
      { event: 'up', title: TITLE_RECOVERY, message: `Monitor '${name}' is UP${was}` },
      silence,
      (why) => `Recovery alert for '${name}' suppressed (${why})`,
    );
    Object.assign(next, recoveryOwed(prev, told));
  }
  if (prev.status === 'LATE' && next.status === 'UP') fx.log(`Monitor '${name}' heartbeat arrived (was late)`);

  return {
    next,
    changed,
    stateChange: changed && prev.status !== 'PENDING' ? { siteId: prev.siteId, from: prev.status, to: next.status, reason: obs.reason, changedAt: now } : null,
    logs: fx.logs,
    alerts: fx.alerts,
  };
}

/** A push heartbeat arrived: UP at once, with the spec's log per previous state and a recovery alert from DOWN. */
export function applyHeartbeat(prev: LiveSiteState, rules: Pick<SiteRules, 'name'>, now: Date, silence: Silence | null): Transition {
  const next: LiveSiteState = {
    ...prev,
    lastCheckAt: now,
    status: 'UP',
    failureCount: 0,
    latencyMs: 0,
    lastError: '',
    lastSuccessAt: now,
    statusChangedAt: prev.status === 'UP' ? prev.statusChangedAt : now,
  };
  const fx = new Effects();
  const name = rules.name;
  switch (prev.status) {
    case 'PENDING':
      fx.log(`Push Monitor '${name}' received first heartbeat`);
      break;
    case 'LATE':
      fx.log(`Push Monitor '${name}' heartbeat arrived (was late)`);
      break;
    case 'STALE':
      fx.log(`Push Monitor '${name}' heartbeat arrived (was stale)`);
      break;
    case 'DOWN':
    case 'SSL_EXPIRED': {
      const was = downFor(prev.statusChangedAt, now);
      fx.log(`Push Monitor '${name}' recovered${was}`);
      const told = fx.alert(
        { event: 'up', title: TITLE_RECOVERY, message: `Push Monitor '${name}' is receiving heartbeats.${was}` },
        silence,
        (why) => `Recovery alert for '${name}' suppressed (${why})`,
      );
      Object.assign(next, recoveryOwed(prev, told));
      break;
    }
    case 'UP':
      break;
  }
  const changed = prev.status !== 'UP';
  return {
    next,
    changed,
    stateChange: changed && prev.status !== 'PENDING' ? { siteId: prev.siteId, from: prev.status, to: 'UP', reason: '', changedAt: now } : null,
    logs: fx.logs,
    alerts: fx.alerts,
  };
}

/**
 * A group's status derived from its children is set directly (no retries). Beyond the Go original, a group alerts on
 * its own transitions like any monitor (DESIGN decision 4); it has recipients only when channels are linked to it.
 */
export function applyGroupStatus(
  prev: LiveSiteState,
  status: SiteStatus,
  reason: string,
  rules: Pick<SiteRules, 'name'>,
  now: Date,
  silence: Silence | null,
): Transition {
  const changed = status !== prev.status;
  const recorded = changed && groupJudged(prev);
  const next: LiveSiteState = {
    ...prev,
    status,
    lastCheckAt: now,
    lastError: isBroken(status) ? reason : '',
    failureCount: 0,
  };
  if (status === 'UP') next.lastSuccessAt = now;
  if (recorded || (!next.statusChangedAt && status !== 'PENDING')) next.statusChangedAt = now;

  const fx = new Effects();
  const name = rules.name;
  if (recorded) {
    if (isBroken(status)) fx.log(`Group '${name}' is ${status}`);
    else if (isBroken(prev.status)) fx.log(`Group '${name}' recovered`);
  }
  if (!isBroken(prev.status) && isBroken(status)) {
    fx.down(name, prev, next, { event: 'down', title: TITLE_DOWN, message: downMessage({ name, type: 'GROUP' }, status, reason) }, silence, now);
  }
  // The group's outage is over once no child it counts is down, whatever the others are: a group that went from DOWN
  // to PENDING (its down child paused, a new child not judged yet) and later to UP never told its recovery.
  if (isBroken(prev.status) && !isBroken(status)) {
    const was = downFor(prev.statusChangedAt, now);
    const nowStatus = status === 'UP' ? 'UP' : `no longer DOWN (${status})`;
    const told = fx.alert(
      { event: 'up', title: TITLE_RECOVERY, message: `Monitor '${name}' is ${nowStatus}${was}` },
      silence,
      (why) => `Recovery alert for '${name}' suppressed (${why})`,
    );
    Object.assign(next, recoveryOwed(prev, told));
  }
  return {
    next,
    changed,
    stateChange: recorded ? { siteId: prev.siteId, from: prev.status, to: status, reason, changedAt: now } : null,
    logs: fx.logs,
    alerts: fx.alerts,
  };
}
