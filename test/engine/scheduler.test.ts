import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import { Scheduler } from '../../src/engine/scheduler.ts';
import { LogRing, sanitizeLog } from '../../src/engine/log-ring.ts';
import { RateWindow, StatusPublisher } from '../../src/engine/status.ts';
import type { EngineStatusSnapshot } from '../../src/engine/types.ts';

/** A job the test finishes by hand, so it can look at what runs concurrently. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

function harness(concurrency: number, interval = 1000) {
  const clock = new FakeClock(0);
  const started: { key: number; at: number; late: number }[] = [];
  const errors: { key: number; message: string }[] = [];
  const failing = new Map<number, 'throw' | 'reject'>();
  const gates = new Map<number, ReturnType<typeof gate>[]>();
  const inline = new Set<number>();
  let running = 0;
  let maxRunning = 0;
  const scheduler = new Scheduler(clock, concurrency, {
    run(key) {
      if (failing.get(key) === 'throw') throw new Error(`bug in ${key}`);
      if (failing.get(key) === 'reject') return Promise.reject(new Error(`async bug in ${key}`));
      if (inline.has(key)) return;
      running++;
      maxRunning = Math.max(maxRunning, running);
      const g = gate();
      gates.set(key, [...(gates.get(key) ?? []), g]);
      return g.promise.then(() => {
        running--;
      });
    },
    inline: (key) => inline.has(key),
    nextDelay: () => interval,
    onStart: (key, late) => started.push({ key, at: clock.nowMs(), late }),
    onError: (key, err) => errors.push({ key, message: (err as Error).message }),
  });
  const finish = async (key: number) => {
    gates.get(key)?.shift()?.open();
    await clock.advanceAsync(0);
  };
  return { clock, scheduler, started, finish, inline, failing, errors, stats: () => ({ running, maxRunning }) };
}

describe('Scheduler', () => {
  it('runs each key on its timer and re-arms after the run', async () => {
    const h = harness(10);
    h.scheduler.schedule(1, 500);
    await h.clock.advanceAsync(499);
    expect(h.started).toEqual([]);
    await h.clock.advanceAsync(1);
    expect(h.started).toEqual([{ key: 1, at: 500, late: 0 }]);
    await h.finish(1);
    await h.clock.advanceAsync(1000);
    expect(h.started.map((s) => s.at)).toEqual([500, 1500]);
  });

  it('never runs more than the concurrency at once; a slow job holds one slot only', async () => {
    const h = harness(2);
    for (let key = 1; key <= 5; key++) h.scheduler.schedule(key, 100);
    await h.clock.advanceAsync(100);
    expect(h.stats().running).toBe(2);
    expect(h.scheduler.queued).toBe(3);
    await h.finish(2);
    await h.finish(3);
    await h.finish(4);
    await h.finish(5);
    // Key 1 never finished: the other four all got through the second slot.
    expect(h.started.map((s) => s.key)).toEqual([1, 2, 3, 4, 5]);
    expect(h.stats().maxRunning).toBe(2);
    expect(h.started.find((s) => s.key === 5)!.late).toBe(0);
  });

  it('measures lateness when jobs wait for a slot', async () => {
    const h = harness(1);
    h.scheduler.schedule(1, 0);
    h.scheduler.schedule(2, 0);
    await h.clock.advanceAsync(0);
    await h.clock.advanceAsync(250);
    await h.finish(1);
    expect(h.started).toEqual([
      { key: 1, at: 0, late: 0 },
      { key: 2, at: 250, late: 250 },
    ]);
  });

  it('trigger runs ahead of due jobs and resolves after a run that started after the call', async () => {
    const h = harness(1);
    h.scheduler.schedule(1, 0);
    h.scheduler.schedule(2, 0);
    await h.clock.advanceAsync(0);
    let done = false;
    const p = h.scheduler.trigger(3).then(() => (done = true));
    await h.finish(1);
    expect(h.started.map((s) => s.key)).toEqual([1, 3]);
    expect(done).toBe(false);
    await h.finish(3);
    await p;
    expect(h.started.map((s) => s.key)).toEqual([1, 3, 2]);
  });

  it('a trigger during a run queues exactly one more run for that key, never two at once', async () => {
    const h = harness(5);
    h.scheduler.schedule(1, 0);
    await h.clock.advanceAsync(0);
    const a = h.scheduler.trigger(1);
    const b = h.scheduler.trigger(1);
    expect(h.stats().running).toBe(1);
    await h.finish(1);
    expect(h.started).toHaveLength(2);
    expect(h.stats().running).toBe(1);
    await h.finish(1);
    await Promise.all([a, b]);
    expect(h.started).toHaveLength(2);
  });

  it('cancel drops the timer and queued run; a running job is not followed by another', async () => {
    const h = harness(1);
    h.scheduler.schedule(1, 0);
    h.scheduler.schedule(2, 0);
    await h.clock.advanceAsync(0);
    h.scheduler.cancel(2);
    h.scheduler.cancel(1);
    await h.finish(1);
    await h.clock.advanceAsync(10_000);
    expect(h.started.map((s) => s.key)).toEqual([1]);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('a run that throws or rejects is reported, frees its slot and keeps its schedule', async () => {
    const h = harness(1);
    h.failing.set(1, 'throw');
    h.failing.set(2, 'reject');
    h.scheduler.schedule(1, 0);
    h.scheduler.schedule(2, 0);
    h.scheduler.schedule(3, 0);
    await h.clock.advanceAsync(0);
    expect(h.errors).toEqual([
      { key: 1, message: 'bug in 1' },
      { key: 2, message: 'async bug in 2' },
    ]);
    expect(h.started.map((s) => s.key)).toEqual([1, 2, 3]);
    await h.finish(3);
    await h.clock.advanceAsync(1000);
    expect(h.started.map((s) => `${s.key}@${s.at}`)).toEqual(['1@0', '2@0', '3@0', '1@1000', '2@1000', '3@1000']);
  });

  it('cancelled during a run and triggered again, a key still never runs twice at once', async () => {
    const h = harness(5);
    h.scheduler.schedule(1, 0);
    await h.clock.advanceAsync(0);
    h.scheduler.cancel(1);
    let done = false;
    const p = h.scheduler.trigger(1).then(() => (done = true));
    await h.clock.advanceAsync(0);
    expect(h.stats()).toEqual({ running: 1, maxRunning: 1 });
    await h.finish(1);
    expect(h.started.map((s) => s.key)).toEqual([1, 1]);
    expect(done).toBe(false);
    await h.finish(1);
    await p;
    expect(h.stats().maxRunning).toBe(1);
    // The revived key keeps its schedule; a key cancelled for good is forgotten once its run ends.
    await h.clock.advanceAsync(1000);
    expect(h.started).toHaveLength(3);
    h.scheduler.cancel(1);
    await h.finish(1);
    await h.clock.advanceAsync(10_000);
    expect(h.started).toHaveLength(3);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('inline jobs run when due without taking a slot', async () => {
    const h = harness(1);
    h.inline.add(9);
    h.scheduler.schedule(1, 0);
    await h.clock.advanceAsync(0);
    h.scheduler.schedule(9, 10);
    await h.clock.advanceAsync(10);
    expect(h.started.map((s) => s.key)).toEqual([1, 9]);
    expect(h.stats().running).toBe(1);
  });

  it('stop ends every timer and idle() waits for the runs in progress', async () => {
    const h = harness(3);
    for (let key = 1; key <= 3; key++) h.scheduler.schedule(key, 0);
    await h.clock.advanceAsync(0);
    h.scheduler.stop();
    expect(h.clock.pendingTimers).toBe(0);
    let idle = false;
    const p = h.scheduler.idle().then(() => (idle = true));
    await h.finish(1);
    await h.finish(2);
    expect(idle).toBe(false);
    await h.finish(3);
    await p;
    expect(h.clock.pendingTimers).toBe(0);
    h.scheduler.schedule(1, 0);
    expect(h.clock.pendingTimers).toBe(0);
  });
});

describe('LogRing', () => {
  it('keeps the newest 100, newest first, sanitized', () => {
    const ring = new LogRing();
    for (let i = 0; i < 150; i++) ring.push({ message: `m${i}`, createdAt: new Date(i), siteId: null });
    const logs = ring.newest();
    expect(logs).toHaveLength(100);
    expect(logs[0]!.message).toBe('m149');
    expect(logs[99]!.message).toBe('m50');
    expect(ring.newest(3).map((l) => l.message)).toEqual(['m149', 'm148', 'm147']);
    expect(sanitizeLog('\x1b[31mred\x1b[0m\r\nnext')).toBe('red\\nnext');
  });
});

describe('engine status publishing', () => {
  it('counts checks over the last minute', () => {
    const rate = new RateWindow();
    for (let i = 0; i < 120; i++) rate.count(i * 1000);
    expect(rate.total(119_000)).toBe(60);
    expect(rate.total(200_000)).toBe(0);
  });

  it('publishes a changed snapshot at most once a second', async () => {
    const clock = new FakeClock(0);
    let n = 0;
    const published: number[] = [];
    const snapshot = (): EngineStatusSnapshot => ({
      running: true,
      cluster: null,
      sites: n,
      up: 0,
      down: 0,
      pending: 0,
      paused: 0,
      maintenance: 0,
      queueDepth: 0,
      droppedWrites: 0,
      writesFailingSince: null,
      writesFailing: null,
      checksPerMinute: 0,
    });
    const pub = new StatusPublisher(clock, snapshot, (s) => published.push(s.sites));
    n = 1;
    pub.markDirty();
    await clock.advanceAsync(0);
    n = 2;
    pub.markDirty();
    n = 3;
    pub.markDirty();
    await clock.advanceAsync(999);
    expect(published).toEqual([1]);
    await clock.advanceAsync(1);
    expect(published).toEqual([1, 3]);
    pub.markDirty();
    await clock.advanceAsync(5000);
    expect(published).toEqual([1, 3]);
  });
});
