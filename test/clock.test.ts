import { describe, expect, it } from 'vitest';
import { FakeClock, MAX_TIMER_DELAY_MS, nodeTimerDelay } from '../src/clock.ts';
import { KeyedTimers } from '../src/engine/keyed-timers.ts';
import { Scheduler } from '../src/engine/scheduler.ts';

const DAY = 24 * 3600_000;

describe('nodeTimerDelay', () => {
  it('models what Node waits: anything outside 1 ms … 2^31-1 ms becomes 1 ms', () => {
    expect(nodeTimerDelay(MAX_TIMER_DELAY_MS)).toBe(MAX_TIMER_DELAY_MS);
    expect(nodeTimerDelay(500)).toBe(500);
    expect(nodeTimerDelay(MAX_TIMER_DELAY_MS + 1)).toBe(1);
    expect(nodeTimerDelay(30 * DAY)).toBe(1);
    expect(nodeTimerDelay(Infinity)).toBe(1);
    expect(nodeTimerDelay(Number.NaN)).toBe(1);
    expect(nodeTimerDelay(-5)).toBe(1);
    expect(nodeTimerDelay(0)).toBe(1);
  });
});

describe('FakeClock with delays Node cannot arm in one timer', () => {
  it('fires a 30-day timer once, at 30 days, not after 1 ms', () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.nowMs()), 30 * DAY);
    clock.advance(1);
    expect(fired).toEqual([]);
    clock.advance(30 * DAY - 2);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1);
    expect(fired).toEqual([30 * DAY]);
    clock.advance(90 * DAY);
    expect(fired).toEqual([30 * DAY]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('cancels the whole chain, also after its first step', () => {
    const clock = new FakeClock(0);
    let fired = 0;
    const handle = clock.setTimeout(() => fired++, 100 * DAY);
    clock.advance(40 * DAY);
    expect(clock.pendingTimers).toBe(1);
    clock.clearTimeout(handle);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(200 * DAY);
    expect(fired).toBe(0);
  });

  it('never fires an infinite delay, and treats NaN or a negative delay as due now', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('never'), Infinity);
    clock.setTimeout(() => fired.push('nan'), Number.NaN);
    clock.setTimeout(() => fired.push('negative'), -1000);
    clock.advance(0);
    expect(fired).toEqual(['nan', 'negative']);
    clock.advance(1000 * DAY);
    expect(fired).toEqual(['nan', 'negative']);
  });
});

describe('timers built on the clock, with a 30-day interval', () => {
  it('KeyedTimers fires once at 30 days, and a replaced timer not at all', () => {
    const clock = new FakeClock(0);
    const timers = new KeyedTimers(clock);
    const fired: string[] = [];
    timers.set(1, 30 * DAY, () => fired.push(`one@${clock.nowMs() / DAY}`));
    timers.set(2, 30 * DAY, () => fired.push('two, replaced'));
    clock.advance(10 * DAY);
    timers.set(2, 45 * DAY, () => fired.push(`two@${clock.nowMs() / DAY}`));
    clock.advance(1);
    expect(fired).toEqual([]);
    clock.advance(60 * DAY);
    expect(fired).toEqual(['one@30', 'two@55']);
    expect(timers.size).toBe(0);
  });

  it('Scheduler runs a 30-day job at 30 days, then every 30 days', async () => {
    const clock = new FakeClock(0);
    const runs: number[] = [];
    const scheduler = new Scheduler(clock, 10, {
      run: () => {
        runs.push(clock.nowMs() / DAY);
      },
      onError: (_key, err) => {
        throw err;
      },
      inline: () => false,
      nextDelay: () => 30 * DAY,
    });
    scheduler.schedule(1, 30 * DAY);
    await clock.advanceAsync(1);
    expect(runs).toEqual([]);
    await clock.advanceAsync(95 * DAY);
    expect(runs).toEqual([30, 60, 90]);
    scheduler.stop();
  });
});

describe('a step of the wall clock (NTP, a VM restored, date -s)', () => {
  it('FakeClock.set moves the time read, not the timers: stepped back they are not delayed, forward not hastened', () => {
    const clock = new FakeClock(10 * DAY);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.nowMs()), 1000);
    clock.setTimeout(() => fired.push(clock.nowMs()), 5000);
    clock.set(10 * DAY - 3600_000);
    clock.advance(1000);
    expect(fired).toEqual([10 * DAY - 3600_000 + 1000]);
    clock.set(11 * DAY);
    expect(fired).toHaveLength(1);
    clock.advance(3999);
    expect(fired).toHaveLength(1);
    clock.advance(1);
    expect(fired).toEqual([10 * DAY - 3600_000 + 1000, 11 * DAY + 4000]);
    expect(clock.monotonicMs()).toBe(10 * DAY + 5000);
  });

  it('Scheduler keeps a one-minute job running every minute when the wall clock is stepped back an hour', async () => {
    const clock = new FakeClock(10 * DAY);
    const runs: number[] = [];
    const late: number[] = [];
    const scheduler = new Scheduler(clock, 10, {
      run: () => {
        runs.push(clock.nowMs());
      },
      onError: (_key, err) => {
        throw err;
      },
      inline: () => false,
      nextDelay: () => 60_000,
      onStart: (_key, lateMs) => late.push(lateMs),
    });
    scheduler.schedule(1, 60_000);
    await clock.advanceAsync(90_000);
    clock.set(clock.nowMs() - 3600_000);
    await clock.advanceAsync(180_000);
    const stepped = 10 * DAY - 3600_000;
    expect(runs).toEqual([10 * DAY + 60_000, stepped + 120_000, stepped + 180_000, stepped + 240_000]);
    expect(late).toEqual([0, 0, 0, 0]);
    scheduler.stop();
  });
});
