import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { check, createSites, log, stateChange, T0, writerHarness } from './harness.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

interface Row {
  id: number;
  at: Date;
  group: number | null;
}

/** The ids a keep-newest-N rule keeps: per group, newest first, the higher id first on equal times. */
function newestIds(rows: Row[], keep: number): number[] {
  const groups = new Map<number | null, Row[]>();
  for (const r of rows) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  return [...groups.values()]
    .flatMap((g) => [...g].sort((x, y) => y.at.getTime() - x.at.getTime() || y.id - x.id).slice(0, keep))
    .map((r) => r.id)
    .sort((x, y) => x - y);
}

async function snapshot(db: Db): Promise<{ checks: Row[]; stateChanges: Row[]; logs: Row[] }> {
  const [checks, stateChanges, logs] = await Promise.all([
    db.check.findMany({ orderBy: { id: 'asc' } }),
    db.stateChange.findMany({ orderBy: { id: 'asc' } }),
    db.log.findMany({ orderBy: { id: 'asc' } }),
  ]);
  return {
    checks: checks.map((r) => ({ id: r.id, at: r.checkedAt, group: r.siteId })),
    stateChanges: stateChanges.map((r) => ({ id: r.id, at: r.changedAt, group: r.siteId })),
    // Logs are kept newest-N overall, not per site.
    logs: logs.map((r) => ({ id: r.id, at: r.createdAt, group: null })),
  };
}

const ids = (rows: Row[]) => rows.map((r) => r.id);

describe('writer retention', () => {
  it('keeps exactly the newest N checks and state changes per site and N logs, at start and then every interval', async () => {
    const h = await writerHarness({ config: { retainChecks: 5, retainStateChanges: 3, retainLogs: 4, pruneIntervalMs: 10 * MINUTE } });
    const [a, b, c] = await createSites(h.db, 3);
    // Out of insertion order, with ties on one instant, so both sort keys decide.
    const minutes = [9, 3, 7, 7, 1, 12, 5, 7, 2, 11];
    const at = (m: number) => new Date(T0 + m * MINUTE);
    await h.db.check.createMany({
      data: [
        ...minutes.map((m) => ({ siteId: a!, checkedAt: at(m), up: true, status: 'UP' as const })),
        ...[0, 1, 2].map((m) => ({ siteId: b!, checkedAt: at(m), up: true, status: 'UP' as const })),
        ...[7, 6, 5, 4, 3, 2, 1].map((m) => ({ siteId: c!, checkedAt: at(m), up: false, status: 'DOWN' as const })),
      ],
    });
    await h.db.stateChange.createMany({
      data: [
        ...minutes.map((m) => ({ siteId: a!, fromStatus: 'UP' as const, toStatus: 'DOWN' as const, changedAt: at(m) })),
        ...[0, 1].map((m) => ({ siteId: b!, fromStatus: 'DOWN' as const, toStatus: 'UP' as const, changedAt: at(m) })),
      ],
    });
    await h.db.log.createMany({ data: minutes.map((m, i) => ({ message: `log ${i}`, siteId: i % 2 ? a! : null, createdAt: at(m) })) });
    const seeded = await snapshot(h.db);

    h.writer.start();
    await h.writer.flush();
    const afterStart = await snapshot(h.db);
    expect(ids(afterStart.checks)).toEqual(newestIds(seeded.checks, 5));
    expect(ids(afterStart.stateChanges)).toEqual(newestIds(seeded.stateChanges, 3));
    expect(ids(afterStart.logs)).toEqual(newestIds(seeded.logs, 4));
    expect(afterStart.checks.filter((r) => r.group === a)).toHaveLength(5);
    expect(afterStart.checks.filter((r) => r.group === b)).toHaveLength(3);

    for (let m = 20; m < 23; m++) {
      h.writer.enqueue(check(b!, T0 + m * MINUTE));
      h.writer.enqueue(stateChange(b!, T0 + m * MINUTE));
      h.writer.enqueue(log(`late ${m}`, T0 + m * MINUTE));
    }
    await h.writer.flush();
    const beforeTimer = await snapshot(h.db);
    expect(beforeTimer.checks.filter((r) => r.group === b)).toHaveLength(6);
    expect(beforeTimer.logs).toHaveLength(7);

    h.clock.advance(10 * MINUTE - 1);
    await h.writer.flush();
    expect(await h.db.check.count({ where: { siteId: b! } })).toBe(6);

    h.clock.advance(1);
    await h.writer.flush();
    const afterTimer = await snapshot(h.db);
    expect(ids(afterTimer.checks)).toEqual(newestIds(beforeTimer.checks, 5));
    expect(ids(afterTimer.stateChanges)).toEqual(newestIds(beforeTimer.stateChanges, 3));
    expect(ids(afterTimer.logs)).toEqual(newestIds(beforeTimer.logs, 4));
    expect(afterTimer.logs.map((r) => (r.at.getTime() - T0) / MINUTE).sort((x, y) => x - y)).toEqual([12, 20, 21, 22]);
  });

  it('deletes only maintenance windows that ended longer ago than the retention, never open-ended ones', async () => {
    const h = await writerHarness({ config: { maintenanceRetentionMs: 7 * DAY, maintenancePruneIntervalMs: 15 * 60_000 } });
    const [a] = await createSites(h.db, 1);
    const now = h.clock.nowMs();
    const window = (title: string, startsAgo: number, endsAgo: number | null, recurrence: string | null = null) =>
      h.db.maintenanceWindow.create({
        data: {
          title,
          siteId: a!,
          startsAt: new Date(now - startsAgo),
          endsAt: endsAgo === null ? null : new Date(now - endsAgo),
          recurrence,
          durationMinutes: recurrence ? 60 : null,
          timezone: recurrence ? 'UTC' : null,
        },
      });
    await window('ended 8 days ago', 9 * DAY, 8 * DAY);
    await window('ended just past the retention', 8 * DAY, 7 * DAY + 1);
    await window('ended exactly at the retention', 8 * DAY, 7 * DAY);
    await window('ended 6 days ago', 7 * DAY, 6 * DAY);
    await window('ends tomorrow', DAY, -DAY);
    await window('open-ended, started 30 days ago', 30 * DAY, null);
    await window('recurring, no last occurrence', 60 * DAY, null, '0 3 * * 0');
    await window('recurring, last occurrence 10 days ago', 60 * DAY, 10 * DAY, '0 3 * * 0');
    const titles = async () => (await h.db.maintenanceWindow.findMany({ orderBy: { id: 'asc' } })).map((w) => w.title);

    h.writer.start();
    await h.writer.flush();
    expect(await titles()).toEqual([
      'ended exactly at the retention',
      'ended 6 days ago',
      'ends tomorrow',
      'open-ended, started 30 days ago',
      'recurring, no last occurrence',
    ]);

    // Two days later, on the next 15-minute tick, the window that ended 6 days ago is past the retention too.
    h.clock.set(now + 2 * DAY - 15 * 60_000);
    h.clock.advance(15 * 60_000);
    await h.writer.flush();
    expect(await titles()).toEqual(['ends tomorrow', 'open-ended, started 30 days ago', 'recurring, no last occurrence']);
  });
});
