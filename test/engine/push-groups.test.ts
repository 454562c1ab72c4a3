import { describe, expect, it } from 'vitest';
import { groupStatus, type GroupChild } from '../../src/engine/groups.ts';
import { evaluatePush, nextPushEvaluation, pushDeadlines } from '../../src/engine/push.ts';
import type { LiveSiteState } from '../../src/engine/types.ts';
import { liveState } from './fixtures.ts';

const T0 = Date.UTC(2026, 0, 1);

/** A push monitor "backup" whose last beat came at T0. */
const pushState = (over: Partial<LiveSiteState> = {}): LiveSiteState =>
  liveState({
    siteId: 7,
    name: 'backup',
    type: 'PUSH',
    status: 'UP',
    latencyMs: 0,
    lastCheckAt: new Date(T0),
    lastSuccessAt: new Date(T0),
    statusChangedAt: new Date(T0),
    ...over,
  });

describe('push deadlines', () => {
  it('interval 300: LATE after 300 s, STALE after 375 s, DOWN after 450 s', () => {
    expect(pushDeadlines(0, 300)).toEqual({ overdue: 300_000, stale: 375_000, down: 450_000 });
    const s = pushState();
    expect(evaluatePush(s, 300, T0 + 300_000)).toBeNull();
    expect(evaluatePush(s, 300, T0 + 310_000)).toMatchObject({ status: 'LATE', reason: 'heartbeat overdue' });
    expect(evaluatePush(s, 300, T0 + 380_000)).toMatchObject({ status: 'STALE', reason: 'heartbeat stale' });
    expect(evaluatePush(s, 300, T0 + 450_001)).toMatchObject({ status: 'DOWN', reason: 'heartbeat missed' });
  });

  it('interval 10: grace is 60 s, so DOWN after 70 s (and 120 s late is DOWN)', () => {
    expect(pushDeadlines(0, 10)).toEqual({ overdue: 10_000, stale: 40_000, down: 70_000 });
    const s = pushState();
    expect(evaluatePush(s, 10, T0 + 70_000)?.status).toBe('STALE');
    expect(evaluatePush(s, 10, T0 + 70_001)?.status).toBe('DOWN');
    expect(evaluatePush(s, 10, T0 + 120_000)?.status).toBe('DOWN');
  });

  it('PENDING (no beat yet) stays PENDING forever; the current status is not re-applied', () => {
    expect(evaluatePush(pushState({ status: 'PENDING', lastCheckAt: null }), 10, T0 + 1e9)).toBeNull();
    expect(nextPushEvaluation(pushState({ status: 'PENDING', lastCheckAt: null }), 10, T0)).toBeNull();
    expect(evaluatePush(pushState({ status: 'LATE' }), 300, T0 + 310_000)).toBeNull();
  });

  it('the observation keeps the heartbeat time as lastCheckAt, so the deadlines do not move', () => {
    const o = evaluatePush(pushState(), 300, T0 + 310_000)!;
    expect(o.checkedAt).toEqual(new Date(T0));
    expect(o.basis).toEqual(new Date(T0));
  });

  it('wakes just past each deadline, per interval while retries count, and not at all once DOWN', () => {
    expect(nextPushEvaluation(pushState(), 300, T0)).toBe(T0 + 300_001);
    expect(nextPushEvaluation(pushState({ status: 'LATE' }), 300, T0 + 300_001)).toBe(T0 + 375_001);
    expect(nextPushEvaluation(pushState({ status: 'STALE' }), 300, T0 + 375_001)).toBe(T0 + 450_001);
    expect(nextPushEvaluation(pushState({ status: 'DOWN', failureCount: 1 }), 300, T0 + 450_001)).toBeNull();
    // Retries pending past the last deadline: once per interval, as the Go original.
    expect(nextPushEvaluation(pushState({ failureCount: 3 }), 300, T0 + 450_001)).toBe(T0 + 750_001);
    // Counting failures before a deadline: the interval if it comes first.
    expect(nextPushEvaluation(pushState({ failureCount: 1 }), 10, T0 + 10_001)).toBe(T0 + 20_001);
  });
});

describe('group status', () => {
  const child = (status: GroupChild['status'], over: Partial<GroupChild> = {}): GroupChild => ({ name: `c-${status}`, type: 'HTTP', status, paused: false, ...over });
  const never = () => false;

  it('all up is UP; any DOWN or SSL_EXPIRED is DOWN naming the broken children', () => {
    expect(groupStatus([child('UP'), child('UP')], never)).toEqual({ status: 'UP', reason: '' });
    expect(groupStatus([child('UP'), child('DOWN')], never)).toEqual({ status: 'DOWN', reason: "child 'c-DOWN' is down" });
    expect(groupStatus([child('SSL_EXPIRED'), child('DOWN'), child('STALE')], never)).toEqual({
      status: 'DOWN',
      reason: "children 'c-SSL_EXPIRED', 'c-DOWN' are down",
    });
  });

  it('precedence DOWN > STALE > LATE > PENDING > UP', () => {
    expect(groupStatus([child('LATE'), child('STALE'), child('PENDING')], never).status).toBe('STALE');
    expect(groupStatus([child('PENDING'), child('LATE'), child('UP')], never).status).toBe('LATE');
    expect(groupStatus([child('UP'), child('PENDING')], never).status).toBe('PENDING');
  });

  it('skips paused children and children in maintenance, ignores nested groups, PENDING without children', () => {
    expect(groupStatus([child('DOWN', { paused: true }), child('UP')], never).status).toBe('UP');
    expect(groupStatus([child('DOWN', { name: 'm' }), child('UP')], (c) => c.name === 'm').status).toBe('UP');
    expect(groupStatus([child('DOWN', { type: 'GROUP' })], never).status).toBe('PENDING');
    expect(groupStatus([], never).status).toBe('PENDING');
    // All children paused: the group does not pause itself, it is simply UP.
    expect(groupStatus([child('DOWN', { paused: true })], never).status).toBe('UP');
  });
});
