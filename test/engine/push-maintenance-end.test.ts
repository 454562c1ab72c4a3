import { describe, expect, it } from 'vitest';
import type { SiteOwnership } from '../../src/engine/ownership.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { failuresOf, systemClockEngine } from './system-clock-engine.ts';
import { engineHarness, received, T0, type EngineHarness } from './harness.ts';

const TOKEN = 'c0ffeec0ffeec0ffeec0ffeec0ffeec0';
const MINUTE = 60_000;
/** Interval 5 min: LATE 300 s, STALE 375 s, DOWN 450 s after the period begins. */
const DOWN_AFTER = 450_000;
const WINDOW_START = T0 + MINUTE;
const WINDOW_END = T0 + 60 * MINUTE;

/** A push monitor "job" (interval 5 min) alerting to the receiver's `/ops`, beaten at T0; windows as given. */
async function jobWithWindow(
  windows: { startsAt: number; endsAt: number; onGroup?: boolean }[],
  site: { renotifyMinutes?: number } = {},
  ownership?: SiteOwnership,
) {
  const h = await engineHarness({ start: false, env: { UPTOP_RECONCILE_INTERVAL: '1h' }, ownership });
  const receiver = await startReceiver();
  const groupId = await h.createSite({ name: 'hosts', type: 'GROUP' });
  const id = await h.createSite({ name: 'job', type: 'PUSH', pushToken: TOKEN, interval: 300, parentId: groupId, ...site });
  await h.createWebhook(receiver, 'ops', [id]);
  const windowIds: number[] = [];
  for (const w of windows) {
    const row = await h.writer.submit((tx) =>
      tx.maintenanceWindow.create({
        data: { title: 'patching', startsAt: new Date(w.startsAt), endsAt: new Date(w.endsAt), siteId: w.onGroup ? groupId : null },
      }),
    );
    windowIds.push(row.id);
  }
  await h.engine.start();
  expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: true, siteId: id });
  return { h, receiver, id, windowIds };
}

function alerts(receiver: Awaited<ReturnType<typeof startReceiver>>) {
  return received(receiver, 'ops').map((a) => [a.event, a.message, a.timestamp]);
}

/** Moves the fake clock to `atMs`. */
async function until(h: EngineHarness, atMs: number): Promise<void> {
  await h.tick(atMs - h.clock.nowMs());
  await h.settle();
}

/** Nothing told up to the deadline of a fresh period begun at `fromMs`; the DOWN told once just past it. */
async function expectDownAtFreshDeadline(h: EngineHarness, receiver: Awaited<ReturnType<typeof startReceiver>>, fromMs: number): Promise<void> {
  await until(h, fromMs + DOWN_AFTER);
  expect(alerts(receiver)).toEqual([]);
  await until(h, fromMs + DOWN_AFTER + 1);
  expect(alerts(receiver)).toEqual([['down', MISSED, iso(fromMs + DOWN_AFTER + 1)]]);
}

describe('engine: a push monitor silent through a maintenance window gets a fresh period at its end', () => {
  it('DOWN only from deadlines missed in the window: no page at the end; a beat within the fresh period is UP with no alert', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    await until(h, WINDOW_END - 1);
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', lastAlertAt: null });
    await until(h, WINDOW_END);
    expect(h.engine.isInMaintenance(id)).toBe(false);
    expect(alerts(receiver)).toEqual([]);

    await until(h, WINDOW_END + DOWN_AFTER);
    expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: true, siteId: id });
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(alerts(receiver)).toEqual([]);
    const logs = h.events['log:added'].map((l) => l.message);
    expect(logs).toContain("Recovery alert for 'job' suppressed (outage never told)");
    // The beat's own deadlines as always: DOWN just past 450 s after it.
    await until(h, WINDOW_END + 2 * DOWN_AFTER);
    expect(alerts(receiver)).toEqual([]);
  });

  it('no beat: DOWN is alerted once at the fresh deadline; re-notifications count from it; the recovery is told', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }], { renotifyMinutes: 30 });
    await until(h, WINDOW_END + DOWN_AFTER);
    expect(alerts(receiver)).toEqual([]);
    await until(h, WINDOW_END + DOWN_AFTER + 1);
    const firstAt = WINDOW_END + DOWN_AFTER + 1;
    expect(alerts(receiver)).toEqual([['down', "Push Monitor 'job' missed heartbeat.", new Date(firstAt).toISOString()]]);
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', lastAlertAt: new Date(firstAt) });

    await until(h, firstAt + 30 * MINUTE - 1);
    expect(alerts(receiver)).toHaveLength(1);
    await until(h, firstAt + 30 * MINUTE);
    // DOWN since the window's deadline at T0 + 450 001 ms.
    expect(alerts(receiver).slice(1)).toEqual([
      ['down', "Push Monitor 'job' missed heartbeat. (still down after 1h 30m)", new Date(firstAt + 30 * MINUTE).toISOString()],
    ]);
    h.engine.heartbeat(TOKEN);
    await h.settle();
    expect(alerts(receiver).map(([event]) => event)).toEqual(['down', 'down', 'up']);
  });

  it('a failure beat while the DOWN waits for the fresh deadline: the job’s own word is told at once, once', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    await until(h, WINDOW_END + MINUTE);
    expect(h.engine.heartbeat(TOKEN, { down: true, message: 'disk full' })).toEqual({ ok: true, siteId: id });
    await h.settle();
    expect(alerts(receiver)).toEqual([
      ['down', "Push Monitor 'job' reported DOWN: disk full (still down after 53m)", new Date(WINDOW_END + MINUTE).toISOString()],
    ]);
    await until(h, WINDOW_END + 4 * DOWN_AFTER);
    expect(alerts(receiver)).toHaveLength(1);
  });

  it('LATE when the window ends: STALE and DOWN count from the end, and DOWN is alerted then', async () => {
    const end = T0 + 320_000;
    const { h, receiver, id } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: end }]);
    await until(h, end);
    expect(h.engine.getState(id)!.status).toBe('LATE');
    await until(h, T0 + DOWN_AFTER + 1);
    expect(h.engine.getState(id)!.status).toBe('LATE');
    await until(h, end + DOWN_AFTER + 1);
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(alerts(receiver)).toEqual([['down', "Push Monitor 'job' missed heartbeat.", new Date(end + DOWN_AFTER + 1).toISOString()]]);
  });

  it('a window ended early by deleting it: the fresh period counts from the deletion', async () => {
    const { h, receiver, windowIds } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    const deletedAt = T0 + 30 * MINUTE;
    await until(h, deletedAt);
    await h.writer.submit((tx) => tx.maintenanceWindow.delete({ where: { id: windowIds[0]! } }));
    await h.engine.maintenanceChanged();
    await h.settle();
    expect(alerts(receiver)).toEqual([]);
    await until(h, deletedAt + DOWN_AFTER + 1);
    expect(alerts(receiver)).toEqual([['down', "Push Monitor 'job' missed heartbeat.", new Date(deletedAt + DOWN_AFTER + 1).toISOString()]]);
  });

  it('moved out of a group in maintenance: the fresh period counts from the move', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END, onGroup: true }]);
    const movedAt = T0 + 30 * MINUTE;
    await until(h, movedAt);
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', lastAlertAt: null });
    await h.updateSite(id, { parentId: null });
    await h.engine.siteChanged(id);
    await h.settle();
    expect(alerts(receiver)).toEqual([]);
    await until(h, movedAt + DOWN_AFTER + 1);
    expect(alerts(receiver)).toEqual([['down', "Push Monitor 'job' missed heartbeat.", new Date(movedAt + DOWN_AFTER + 1).toISOString()]]);
  });

  it('silent through a second window before its fresh deadline: a fresh period again at that window’s end', async () => {
    const second = { startsAt: WINDOW_END + MINUTE, endsAt: WINDOW_END + 20 * MINUTE };
    const { h, receiver } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }, second]);
    await until(h, second.endsAt + DOWN_AFTER);
    expect(alerts(receiver)).toEqual([]);
    await until(h, second.endsAt + DOWN_AFTER + 1);
    expect(alerts(receiver)).toEqual([['down', "Push Monitor 'job' missed heartbeat.", new Date(second.endsAt + DOWN_AFTER + 1).toISOString()]]);
  });
});

describe('engine: what a window held back stays as it was for a push monitor', () => {
  it('a failure beat in the window is a real outage: alerted once at the end, not again at a fresh deadline', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    await until(h, T0 + 2 * MINUTE);
    expect(h.engine.heartbeat(TOKEN, { down: true, message: 'disk full' })).toEqual({ ok: true, siteId: id });
    await until(h, WINDOW_END);
    expect(alerts(receiver)).toEqual([['down', "Push Monitor 'job' reported DOWN: disk full (still down after 58m)", new Date(WINDOW_END).toISOString()]]);
    await until(h, WINDOW_END + 4 * DOWN_AFTER);
    expect(alerts(receiver)).toHaveLength(1);
  });

  it('a failure beat, then silence into a DOWN, in the window: alerted at the end', async () => {
    const h0 = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    const { h, receiver, id } = h0;
    await h.updateSite(id, { maxRetries: 1 });
    await h.engine.siteChanged(id);
    await until(h, T0 + 2 * MINUTE);
    h.engine.heartbeat(TOKEN, { down: true, message: 'disk full' });
    await until(h, WINDOW_END - 1);
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', lastAlertAt: null });
    await until(h, WINDOW_END);
    expect(alerts(receiver).map(([event, , at]) => [event, at])).toEqual([['down', new Date(WINDOW_END).toISOString()]]);
  });

  it('an outage told before the window: not told again at its end, and its recovery is still owed', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: T0 + 10 * MINUTE, endsAt: WINDOW_END }]);
    await until(h, T0 + DOWN_AFTER + 1);
    expect(alerts(receiver)).toEqual([['down', "Push Monitor 'job' missed heartbeat.", new Date(T0 + DOWN_AFTER + 1).toISOString()]]);
    await until(h, WINDOW_END + 4 * DOWN_AFTER);
    expect(alerts(receiver)).toHaveLength(1);
    h.engine.heartbeat(TOKEN);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(alerts(receiver).map(([event]) => event)).toEqual(['down', 'up']);
  });
});

describe('engine: the fresh period at a window’s end, on the system clock', () => {
  it('failures counted in the window: the next one counts two intervals after the end, not one after the last', async () => {
    // Interval 1 s with retries: one failure counts per interval, so the window's end shows in when the next one counts.
    const endsAt = Date.now() + 2500;
    const {
      engine,
      pubsub,
      prepared: site,
    } = await systemClockEngine(async (writer) => {
      await writer.submit((tx) => tx.maintenanceWindow.create({ data: { title: 'patching', startsAt: new Date(0), endsAt: new Date(endsAt) } }));
      return writer.submit((tx) => tx.site.create({ data: { name: 'job', type: 'PUSH', pushToken: TOKEN, interval: 1, maxRetries: 5 } }));
    });
    const failures = failuresOf(pubsub);
    await engine.start();
    expect(engine.heartbeat(TOKEN)).toEqual({ ok: true, siteId: site.id });
    let failure = await failures.next();
    while (failure.checkedAt.getTime() < endsAt) failure = await failures.next();
    await failures.stop();
    const counted = engine.getState(site.id)!.failureCount;
    expect(counted).toBeGreaterThanOrEqual(2);
    // From the end: past its first deadline (1 s), then one interval per failure already counted in the window.
    expect(failure.checkedAt.getTime() - endsAt).toBeGreaterThan(1000 + (counted - 1) * 1000);
  });
});

/** Stops uptop, lets the clock run to `atMs` while it is down, and starts it again on the same database file. */
async function downUntil(h: EngineHarness, atMs: number): Promise<void> {
  await h.engine.stop();
  await h.tick(atMs - h.clock.nowMs());
  await h.restart();
  await h.settle();
}

const iso = (ms: number) => new Date(ms).toISOString();
const MISSED = "Push Monitor 'job' missed heartbeat.";

describe('engine: what a window saw of a push monitor outlives a restart', () => {
  it('restarted in the window: no page at its end; without a beat, DOWN alerted once at the fresh deadline', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    await until(h, T0 + 30 * MINUTE);
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', lastAlertAt: null });
    await h.restart();
    await until(h, WINDOW_END);
    expect(h.engine.isInMaintenance(id)).toBe(false);
    expect(alerts(receiver)).toEqual([]);
    await expectDownAtFreshDeadline(h, receiver, WINDOW_END);
  });

  it('restarted in the window: a beat within the fresh period after it is UP with no alert at all', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    await until(h, T0 + 30 * MINUTE);
    await h.restart();
    await until(h, WINDOW_END + DOWN_AFTER);
    expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: true, siteId: id });
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    await until(h, WINDOW_END + 2 * DOWN_AFTER);
    expect(alerts(receiver)).toEqual([]);
  });

  it('the window ends while uptop is down: no page at start; without a beat, DOWN alerted at the deadline of a fresh period from the start', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    await until(h, T0 + 30 * MINUTE);
    const startedAt = WINDOW_END + 10 * MINUTE;
    await downUntil(h, startedAt);
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', lastAlertAt: null });
    expect(alerts(receiver)).toEqual([]);
    await expectDownAtFreshDeadline(h, receiver, startedAt);
  });

  it('the window ends while uptop is down: a beat within the fresh period from the start is UP with no alert', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    await until(h, T0 + 30 * MINUTE);
    const startedAt = WINDOW_END + 10 * MINUTE;
    await downUntil(h, startedAt);
    await until(h, startedAt + DOWN_AFTER);
    expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: true, siteId: id });
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(alerts(receiver)).toEqual([]);
  });

  it('restarted after the window’s end, before its fresh deadline: the DOWN still waits, for a fresh period from the start', async () => {
    const { h, receiver } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    const restartedAt = WINDOW_END + 5 * MINUTE;
    await until(h, restartedAt);
    await h.restart();
    await h.settle();
    expect(alerts(receiver)).toEqual([]);
    await expectDownAtFreshDeadline(h, receiver, restartedAt);
  });

  it('a failure beat in the window, restarted in it: alerted once at the window’s end', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    await until(h, T0 + 2 * MINUTE);
    expect(h.engine.heartbeat(TOKEN, { down: true, message: 'disk full' })).toEqual({ ok: true, siteId: id });
    await until(h, T0 + 30 * MINUTE);
    await h.restart();
    await until(h, WINDOW_END);
    expect(alerts(receiver)).toEqual([['down', "Push Monitor 'job' reported DOWN: disk full (still down after 58m)", iso(WINDOW_END)]]);
    await until(h, WINDOW_END + 4 * DOWN_AFTER);
    expect(alerts(receiver)).toHaveLength(1);
  });

  it('a failure beat in the window, which ends while uptop is down: alerted once at start', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    await until(h, T0 + 2 * MINUTE);
    expect(h.engine.heartbeat(TOKEN, { down: true, message: 'disk full' })).toEqual({ ok: true, siteId: id });
    const startedAt = WINDOW_END + 10 * MINUTE;
    await downUntil(h, startedAt);
    expect(alerts(receiver)).toEqual([['down', "Push Monitor 'job' reported DOWN: disk full (still down after 1h 8m)", iso(startedAt)]]);
    await until(h, startedAt + 4 * DOWN_AFTER);
    expect(alerts(receiver)).toHaveLength(1);
  });

  it('an outage told before the window, restarted in it: not told again, and its recovery is still owed', async () => {
    const { h, receiver, id } = await jobWithWindow([{ startsAt: T0 + 10 * MINUTE, endsAt: WINDOW_END }]);
    await until(h, T0 + 30 * MINUTE);
    expect(alerts(receiver)).toEqual([['down', MISSED, iso(T0 + DOWN_AFTER + 1)]]);
    await h.restart();
    await until(h, WINDOW_END + 4 * DOWN_AFTER);
    expect(alerts(receiver)).toHaveLength(1);
    h.engine.heartbeat(TOKEN);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(alerts(receiver).map(([event]) => event)).toEqual(['down', 'up']);
  });
});

/**
 * The job in a cluster of two instances on one database: A (the harness's engine) checks it until `handOver` gives its
 * slot to B, which then takes its state from what A saved, as after a restart; the harness follows B from then on.
 */
async function clusteredJob(windows: { startsAt: number; endsAt: number }[]) {
  let onA = true;
  const job = await jobWithWindow(windows, {}, { owns: () => onA });
  const { h } = job;
  const b = h.peer({ ownership: { owns: () => !onA } });
  await b.start();
  const release = async () => {
    onA = false;
    await h.engine.ownershipChanged(() => true);
    await h.writer.flush();
  };
  const take = async () => {
    await b.ownershipChanged(() => false);
    h.engine = b;
    await h.settle();
  };
  const handOver = async () => {
    await release();
    await take();
  };
  return { ...job, b, handOver, release, take };
}

describe('engine: what a window saw of a push monitor goes with it to another instance', () => {
  it('handed over in the window: no page at its end; without a beat, DOWN alerted once at the fresh deadline', async () => {
    const { h, receiver, id, b, handOver } = await clusteredJob([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    await until(h, T0 + 30 * MINUTE);
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', lastAlertAt: null });
    await handOver();
    expect(b.getState(id)).toMatchObject({ status: 'DOWN', lastAlertAt: null });
    await expectDownAtFreshDeadline(h, receiver, WINDOW_END);
  });

  it('handed over after the window’s end, before its fresh deadline: without a beat, DOWN alerted at the fresh deadline from the handover', async () => {
    const { h, receiver, handOver } = await clusteredJob([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    const handedAt = WINDOW_END + 5 * MINUTE;
    await until(h, handedAt);
    await handOver();
    await expectDownAtFreshDeadline(h, receiver, handedAt);
  });

  it('a failure beat in the window, handed over in it: alerted once at the window’s end', async () => {
    const { h, receiver, id, handOver } = await clusteredJob([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    await until(h, T0 + 2 * MINUTE);
    expect(h.engine.heartbeat(TOKEN, { down: true, message: 'disk full' })).toEqual({ ok: true, siteId: id });
    await until(h, T0 + 30 * MINUTE);
    await handOver();
    await until(h, WINDOW_END);
    expect(alerts(receiver)).toEqual([['down', "Push Monitor 'job' reported DOWN: disk full (still down after 58m)", iso(WINDOW_END)]]);
    await until(h, WINDOW_END + 4 * DOWN_AFTER);
    expect(alerts(receiver)).toHaveLength(1);
  });

  it('a failure beat in the window, which ends while no instance holds the job: alerted once when one takes it', async () => {
    const { h, receiver, id, release, take } = await clusteredJob([{ startsAt: WINDOW_START, endsAt: WINDOW_END }]);
    await until(h, T0 + 2 * MINUTE);
    expect(h.engine.heartbeat(TOKEN, { down: true, message: 'disk full' })).toEqual({ ok: true, siteId: id });
    await until(h, T0 + 30 * MINUTE);
    await release();
    const takenAt = WINDOW_END + MINUTE;
    await until(h, takenAt);
    expect(alerts(receiver)).toEqual([]);
    await take();
    expect(alerts(receiver)).toEqual([['down', "Push Monitor 'job' reported DOWN: disk full (still down after 59m)", iso(takenAt)]]);
    await until(h, takenAt + 4 * DOWN_AFTER);
    expect(alerts(receiver)).toHaveLength(1);
  });
});
