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

const rules = (interval: number, maxRetries = 0) => ({ interval, maxRetries });

describe('push deadlines', () => {
  it('interval 300: LATE after 300 s, STALE after 375 s, DOWN after 450 s', () => {
    expect(pushDeadlines(0, 300)).toEqual({ overdue: 300_000, stale: 375_000, down: 450_000 });
    const s = pushState();
    expect(evaluatePush(s, rules(300), T0, T0 + 300_000)).toBeNull();
    expect(evaluatePush(s, rules(300), T0, T0 + 310_000)).toMatchObject({ status: 'LATE', reason: 'heartbeat overdue' });
    expect(evaluatePush(pushState({ status: 'LATE', failureCount: 1 }), rules(300), T0, T0 + 380_000)).toMatchObject({
      status: 'STALE',
      reason: 'heartbeat stale',
    });
    expect(evaluatePush(pushState({ status: 'STALE', failureCount: 1 }), rules(300), T0, T0 + 450_001)).toMatchObject({
      status: 'DOWN',
      reason: 'heartbeat missed',
    });
  });

  it('interval 10: grace is 60 s, so DOWN after 70 s (and 120 s late is DOWN)', () => {
    expect(pushDeadlines(0, 10)).toEqual({ overdue: 10_000, stale: 40_000, down: 70_000 });
    const s = pushState();
    expect(evaluatePush(s, rules(10), T0, T0 + 70_000)?.status).toBe('STALE');
    expect(evaluatePush(s, rules(10), T0, T0 + 70_001)?.status).toBe('DOWN');
    expect(evaluatePush(s, rules(10), T0, T0 + 120_000)?.status).toBe('DOWN');
  });

  it('counts from where it is told to: a start-up after the last beat moves every deadline', () => {
    const s = pushState();
    const start = T0 + 2 * 86_400_000;
    expect(evaluatePush(s, rules(300), start, start + 450_000)?.status).toBe('STALE');
    expect(nextPushEvaluation(s, rules(300), start, start)).toBe(start + 300_001);
  });

  it('PENDING (no beat yet) stays PENDING forever; the current status is not re-applied', () => {
    expect(evaluatePush(pushState({ status: 'PENDING', lastCheckAt: null }), rules(10), T0, T0 + 1e9)).toBeNull();
    expect(nextPushEvaluation(pushState({ status: 'PENDING', lastCheckAt: null }), rules(10), T0, T0)).toBeNull();
    expect(evaluatePush(pushState({ status: 'LATE', failureCount: 1 }), rules(300), T0, T0 + 310_000)).toBeNull();
  });

  it('silence never makes things better: DOWN stays DOWN and STALE never goes back to LATE', () => {
    for (const status of ['DOWN', 'STALE'] as const) {
      const s = pushState({ status, failureCount: 1 });
      expect(evaluatePush(s, rules(300), T0, T0 + 300_001)).toBeNull();
    }
    expect(nextPushEvaluation(pushState({ status: 'DOWN', failureCount: 1 }), rules(300), T0, T0)).toBeNull();
    expect(nextPushEvaluation(pushState({ status: 'STALE', failureCount: 1 }), rules(300), T0, T0)).toBe(T0 + 450_001);
  });

  it('the observation keeps the heartbeat time as lastCheckAt, so the deadlines do not move', () => {
    const o = evaluatePush(pushState(), rules(300), T0, T0 + 310_000)!;
    expect(o.checkedAt).toEqual(new Date(T0));
  });

  it('wakes just past each deadline once retries are used up, and not at all once DOWN', () => {
    expect(nextPushEvaluation(pushState(), rules(300), T0, T0)).toBe(T0 + 300_001);
    expect(nextPushEvaluation(pushState({ status: 'LATE', failureCount: 1 }), rules(300), T0, T0 + 300_001)).toBe(T0 + 375_001);
    expect(nextPushEvaluation(pushState({ status: 'STALE', failureCount: 1 }), rules(300), T0, T0 + 375_001)).toBe(T0 + 450_001);
    expect(nextPushEvaluation(pushState({ status: 'DOWN', failureCount: 1 }), rules(300), T0, T0 + 450_001)).toBeNull();
  });

  it('while retries count, one failure per interval, as the Go original looks once per interval', () => {
    const r = rules(300, 1);
    expect(nextPushEvaluation(pushState(), r, T0, T0)).toBe(T0 + 300_001);
    expect(evaluatePush(pushState(), r, T0, T0 + 300_001)?.status).toBe('LATE');
    // The first failure counted, the next one may count an interval later, whatever deadlines pass meanwhile.
    const once = pushState({ failureCount: 1 });
    expect(nextPushEvaluation(once, r, T0, T0 + 300_001)).toBe(T0 + 600_001);
    expect(evaluatePush(once, r, T0, T0 + 375_001)).toBeNull();
    expect(evaluatePush(once, r, T0, T0 + 600_000)).toBeNull();
    expect(evaluatePush(once, r, T0, T0 + 600_001)?.status).toBe('DOWN');
    // Past every deadline with retries left: the next failure at its interval.
    expect(nextPushEvaluation(pushState({ failureCount: 3 }), rules(300, 5), T0, T0 + 450_001)).toBe(T0 + 1_200_001);
    // Behind schedule (a late timer): at once.
    expect(nextPushEvaluation(pushState({ failureCount: 1 }), r, T0, T0 + 700_000)).toBe(T0 + 700_000);
  });
});

describe('group status', () => {
  const child = (status: GroupChild['status'], over: Partial<GroupChild> = {}): GroupChild => ({
    name: `c-${status}`,
    type: 'HTTP',
    status,
    paused: false,
    ...over,
  });
  const never = () => false;

  it('all up is UP; any DOWN or SSL_EXPIRED is DOWN naming the broken children', () => {
    expect(groupStatus([child('UP'), child('UP')], never)).toEqual({ status: 'UP', reason: '' });
    expect(groupStatus([child('UP'), child('DOWN')], never)).toEqual({ status: 'DOWN', reason: "child 'c-DOWN' is down" });
    expect(groupStatus([child('SSL_EXPIRED'), child('DOWN'), child('STALE')], never)).toEqual({
      status: 'DOWN',
      reason: "children 'c-SSL_EXPIRED', 'c-DOWN' are down",
    });
  });

  it('names as many broken children as 256 characters hold and counts the rest', () => {
    const many = Array.from({ length: 40 }, (_, i) => child('DOWN', { name: `node-${String(i + 1).padStart(2, '0')}` }));
    const shown = many.slice(0, 20).map((c) => `'${c.name}'`);
    expect(groupStatus(many, never).reason).toBe(`children ${shown.join(', ')} and 20 more are down`);
    const long = [child('DOWN', { name: 'a'.repeat(200) }), child('DOWN', { name: 'b'.repeat(200) })];
    expect(groupStatus(long, never).reason).toBe(`children '${'a'.repeat(200)}' and 1 more are down`);
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
