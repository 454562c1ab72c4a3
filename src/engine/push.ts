import type { SiteStatus } from '../generated/prisma/client.ts';
import type { Observation } from './state-machine.ts';
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

/** grace = max(interval/2, 60 s); LATE after the interval, STALE at interval + grace/2, DOWN at interval + grace. */
export function pushDeadlines(lastBeatMs: number, intervalSec: number): PushDeadlines {
  const intervalMs = intervalSec * 1000;
  const grace = Math.max(intervalMs / 2, MIN_GRACE_MS);
  const overdue = lastBeatMs + intervalMs;
  return { overdue, stale: overdue + grace / 2, down: overdue + grace };
}

const REASONS: Partial<Record<SiteStatus, string>> = {
  LATE: 'heartbeat overdue',
  STALE: 'heartbeat stale',
  DOWN: 'heartbeat missed',
};

/**
 * What a push monitor's silence means now, as an observation for the state machine; null when there is nothing to
 * fold in: still PENDING (no beat ever), not yet overdue, or already in that status.
 */
export function evaluatePush(state: LiveSiteState, intervalSec: number, nowMs: number): Observation | null {
  if (state.status === 'PENDING' || !state.lastCheckAt) return null;
  const d = pushDeadlines(state.lastCheckAt.getTime(), intervalSec);
  const status: SiteStatus | null = nowMs > d.down ? 'DOWN' : nowMs > d.stale ? 'STALE' : nowMs > d.overdue ? 'LATE' : null;
  if (status === null || status === state.status) return null;
  return {
    status,
    statusCode: null,
    latencyMs: state.latencyMs,
    hasSsl: state.hasSsl,
    certExpiresAt: state.certExpiresAt,
    reason: REASONS[status] ?? '',
    basis: state.lastCheckAt,
    checkedAt: state.lastCheckAt,
  };
}

/**
 * When to look at a push monitor next: just past its next deadline, and while failures are being counted against
 * MaxRetries, at least once per interval (the Go cadence). Null when nothing can change until a heartbeat.
 */
export function nextPushEvaluation(state: LiveSiteState, intervalSec: number, nowMs: number): number | null {
  if (state.status === 'PENDING' || !state.lastCheckAt) return null;
  const d = pushDeadlines(state.lastCheckAt.getTime(), intervalSec);
  // "After" is strict in the spec, so the first instant that counts is one millisecond past the deadline.
  for (const deadline of [d.overdue, d.stale, d.down]) {
    if (deadline >= nowMs) return Math.min(deadline + 1, state.failureCount > 0 ? nowMs + intervalSec * 1000 : Infinity);
  }
  return state.status === 'DOWN' ? null : nowMs + intervalSec * 1000;
}
