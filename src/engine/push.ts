import type { SiteStatus } from '../generated/prisma/client.ts';
import { isBroken, type Observation } from './state-machine.ts';
import type { LiveSiteState } from './types.ts';

const MIN_GRACE_MS = 60_000;

export interface PushDeadlines {
  /** After this the monitor is LATE. */
  overdue: number;
  /** After this it is STALE. */
  stale: number;
  /** After this it is DOWN. */
  down: number;
}

/** The part of a push monitor's configuration its deadlines depend on. */
export interface PushRules {
  interval: number;
  maxRetries: number;
}

/** grace = max(interval/2, 60 s); LATE after the interval, STALE at interval + grace/2, DOWN at interval + grace. */
export function pushDeadlines(fromMs: number, intervalSec: number): PushDeadlines {
  const intervalMs = intervalSec * 1000;
  const grace = Math.max(intervalMs / 2, MIN_GRACE_MS);
  const overdue = fromMs + intervalMs;
  return { overdue, stale: overdue + grace / 2, down: overdue + grace };
}

const REASONS: Partial<Record<SiteStatus, string>> = {
  LATE: 'heartbeat overdue',
  STALE: 'heartbeat stale',
  DOWN: 'heartbeat missed',
};

/** The reason a missed deadline gives, as opposed to one a job reported with a down beat. */
export function isDeadlineReason(reason: string): boolean {
  return Object.values(REASONS).includes(reason);
}

/** Silence only makes things worse: a deadline never takes a monitor back from STALE to LATE, or from DOWN. */
const RANK: Record<SiteStatus, number> = { PENDING: 0, UP: 0, LATE: 1, STALE: 2, DOWN: 3, SSL_EXPIRED: 3 };

/** Each deadline, when it passes, and the status it gives. */
function steps(d: PushDeadlines): [number, SiteStatus][] {
  return [
    [d.overdue, 'LATE'],
    [d.stale, 'STALE'],
    [d.down, 'DOWN'],
  ];
}

/**
 * While failures are still counted against MaxRetries, one failure counts per interval, as in the Go original, which
 * looks at a push monitor once per interval: the k-th may count once k-1 intervals have passed since the first deadline.
 */
function countingRetries(state: LiveSiteState, rules: PushRules): boolean {
  return state.failureCount <= rules.maxRetries;
}

function nextFailureAt(state: LiveSiteState, d: PushDeadlines, intervalSec: number): number {
  return d.overdue + state.failureCount * intervalSec * 1000 + 1;
}

/**
 * No beat ever, up or down: a monitor waits for its job's first word. Not its status: a first beat that reports a
 * failure still counted as a retry leaves it PENDING, and that job's silence after it is as missed as any.
 */
function neverBeaten(state: LiveSiteState): boolean {
  return !state.lastCheckAt;
}

/**
 * What a push monitor's silence means now, as an observation for the state machine; null when there is nothing to
 * fold in: no beat ever, no deadline passed that makes things worse than they are, or this interval's failure
 * already counted. `fromMs` is where the deadlines count from: the last beat, or when the engine began judging.
 */
export function evaluatePush(state: LiveSiteState, rules: PushRules, fromMs: number, nowMs: number): Observation | null {
  if (neverBeaten(state)) return null;
  const d = pushDeadlines(fromMs, rules.interval);
  let status: SiteStatus | null = null;
  for (const [deadline, given] of steps(d)) if (nowMs > deadline) status = given;
  if (status === null || RANK[status] <= RANK[state.status]) return null;
  if (countingRetries(state, rules) && nowMs < nextFailureAt(state, d, rules.interval)) return null;
  return {
    status,
    statusCode: null,
    latencyMs: state.latencyMs,
    hasSsl: state.hasSsl,
    certExpiresAt: state.certExpiresAt,
    reason: REASONS[status] ?? '',
    checkedAt: state.lastCheckAt,
  };
}

/**
 * When evaluatePush has something to say next: just past the next deadline that makes things worse and, while
 * retries are counted, not before the next interval's failure may count. Null when only a heartbeat can change it.
 */
export function nextPushEvaluation(state: LiveSiteState, rules: PushRules, fromMs: number, nowMs: number): number | null {
  if (neverBeaten(state)) return null;
  const d = pushDeadlines(fromMs, rules.interval);
  // "After" is strict in the spec, so the first instant that counts is one millisecond past the deadline.
  const worse = steps(d).find(([, given]) => RANK[given] > RANK[state.status]);
  if (!worse) return null;
  const at = countingRetries(state, rules) ? Math.max(worse[0] + 1, nextFailureAt(state, d, rules.interval)) : worse[0] + 1;
  return Math.max(at, nowMs);
}

/**
 * A beat that reports a failure (Uptime Kuma's `?status=down`): an observation like a failed check's, so MaxRetries
 * and the state machine apply to it as to any check, unlike a missed deadline, which is silence.
 */
export function downBeat(state: LiveSiteState, message: string | undefined, latencyMs: number | undefined, now: Date): Observation {
  return {
    status: 'DOWN',
    statusCode: null,
    latencyMs: latencyMs ?? null,
    hasSsl: state.hasSsl,
    certExpiresAt: state.certExpiresAt,
    reason: message || 'push reported down',
    checkedAt: now,
  };
}

/**
 * Whether a beat tells the monitor what its status does not say yet: a success while it is not plainly UP (its first
 * beat, a recovery, or a failure still counted against its retries), or a failure while it is not DOWN.
 */
export function beatChangesStatus(state: LiveSiteState, down: boolean): boolean {
  return down ? !isBroken(state.status) : state.status !== 'UP' || state.failureCount > 0;
}
