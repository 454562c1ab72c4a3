import { describe, expect, it } from 'vitest';
import { AccessWatch, type AccessEnd } from '../../src/auth/access-watch.ts';
import { FakeClock } from '../../src/clock.ts';

function recorder() {
  const calls: string[] = [];
  return { calls, on: (name: string) => (why: AccessEnd) => calls.push(`${name}:${why}`) };
}

describe('AccessWatch', () => {
  it("ends the connections of one token, or all of one user's, each once", () => {
    const watch = new AccessWatch(new FakeClock());
    const { calls, on } = recorder();
    watch.watch({ userId: 1, tokenHash: 'a' }, on('a1'));
    watch.watch({ userId: 1, tokenHash: 'a' }, on('a2'));
    watch.watch({ userId: 1, tokenHash: 'b' }, on('b'));
    watch.watch({ userId: 2, tokenHash: 'c' }, on('c'));

    watch.endTokens(['a', 'unknown']);
    expect(calls).toEqual(['a1:ended', 'a2:ended']);
    watch.endUser(1, 'changed');
    watch.endUser(1, 'ended');
    expect(calls).toEqual(['a1:ended', 'a2:ended', 'b:changed']);
    expect(watch.size).toBe(1);
  });

  it('forgets a connection that closed first, and says whether it was still watched', () => {
    const watch = new AccessWatch(new FakeClock());
    const { calls, on } = recorder();
    const unwatch = watch.watch({ userId: 1, tokenHash: 'a' }, on('a'));
    const ended = watch.watch({ userId: 1, tokenHash: 'b' }, on('b'));
    expect(unwatch()).toBe(true);
    expect(unwatch()).toBe(false);
    watch.endTokens(['a', 'b']);
    expect(ended()).toBe(false);
    expect(calls).toEqual(['b:ended']);
    expect(watch.size).toBe(0);
  });

  it("ends a session's connections at its expiry with one timer, and drops the timer when they all close", () => {
    const clock = new FakeClock();
    const watch = new AccessWatch(clock);
    const { calls, on } = recorder();
    watch.watch({ userId: 1, tokenHash: 's' }, on('s1'));
    watch.watch({ userId: 1, tokenHash: 's' }, on('s2'));
    watch.expireAt('s', clock.nowMs() + 1000);
    watch.expireAt('s', clock.nowMs() + 1000);
    const closing = watch.watch({ userId: 1, tokenHash: 't' }, on('t'));
    watch.expireAt('t', clock.nowMs() + 500);
    watch.expireAt('nobody', clock.nowMs() + 500);
    expect(clock.pendingTimers).toBe(2);

    closing();
    expect(clock.pendingTimers).toBe(1);
    clock.advance(999);
    expect(calls).toEqual([]);
    clock.advance(1);
    expect(calls).toEqual(['s1:ended', 's2:ended']);
    expect(clock.pendingTimers).toBe(0);
  });
});
