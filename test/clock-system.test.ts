import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_DELAY_MS, realClock, systemClock } from '../src/clock.ts';
import { Scheduler } from '../src/engine/scheduler.ts';
import { WallJumps } from '../src/engine/wall-jumps.ts';

const DAY = 24 * 3600_000;

afterEach(() => {
  vi.restoreAllMocks();
});

/** Arms of Node's own setTimeout for at least the longest delay it accepts: only long clock timers ask for that. */
function longRawArms() {
  const spy = vi.spyOn(globalThis, 'setTimeout');
  return {
    count: () => spy.mock.calls.filter(([, ms]) => (ms ?? 0) >= MAX_TIMER_DELAY_MS).length,
    lastTimer: () => spy.mock.results.at(-1)?.value as NodeJS.Timeout,
  };
}

describe('systemClock with delays Node cannot arm in one timer', () => {
  it('keeps a 30-day timer pending over real time instead of firing it after 1 ms in a loop', async () => {
    const raw = longRawArms();
    let fired = 0;
    // Like a 30-day check interval: each run arms the next.
    const run = () => {
      fired++;
      handle = systemClock.setTimeout(run, 30 * DAY);
    };
    let handle = systemClock.setTimeout(run, 30 * DAY);
    await sleep(100);
    expect(fired).toBe(0);
    expect(raw.count()).toBe(1);
    systemClock.clearTimeout(handle);
  });

  it('cancels the armed step of a long timer', () => {
    const raw = longRawArms();
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    const handle = systemClock.setTimeout(() => {}, 60 * DAY);
    expect(raw.count()).toBe(1);
    systemClock.clearTimeout(handle);
    expect(cleared).toHaveBeenCalledWith(raw.lastTimer());
  });

  it('still fires a short timer', async () => {
    const fired = new Promise<number>((resolve) => systemClock.setTimeout(() => resolve(Date.now()), 20));
    const armedAt = Date.now();
    expect(await fired).toBeGreaterThanOrEqual(armedAt);
  });
});

describe('the real clock stepped back an hour', () => {
  it("keeps a scheduler's 20 ms job running: its due times are on Node's monotonic timers, not on the wall clock", async () => {
    let offset = 0;
    const clock = realClock(() => Date.now() + offset);
    let runs = 0;
    let afterStep: () => void = () => {};
    const threeAfterStep = new Promise<void>((resolve) => {
      afterStep = resolve;
    });
    const scheduler = new Scheduler(clock, 1, {
      run: () => {
        runs++;
        if (runs === 2) offset -= 3600_000;
        if (runs === 5) afterStep();
      },
      onError: (_key, err) => {
        throw err;
      },
      inline: () => false,
      nextDelay: () => 20,
    });
    scheduler.schedule(1, 20);
    // On the wall clock the third run would be due an hour from now; the test's own timeout would end it first.
    await threeAfterStep;
    expect(runs).toBe(5);
    expect(clock.nowMs()).toBeLessThan(Date.now() - 3500_000);
    scheduler.stop();
  });
});

describe('the real clock stepped forward three days, as a resumed machine sees it', () => {
  it('WallJumps reports the step once, measured against the monotonic clock, and nothing while the two run together', async () => {
    let offset = 0;
    const jumps = new WallJumps(realClock(() => Date.now() + offset));
    await sleep(20);
    expect(jumps.take()).toBe(0);
    offset += 3 * DAY;
    expect(Math.round(jumps.take() / 60_000)).toBe(3 * 24 * 60);
    await sleep(20);
    expect(jumps.take()).toBe(0);
    offset -= DAY;
    expect(jumps.take()).toBe(0);
  });
});
