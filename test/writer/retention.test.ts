import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { SILENT_PROBE_NODE_RETENTION_MS } from '../../src/probes/nodes.ts';
import { PRUNE_ROWS_PER_STATEMENT, PRUNE_SITES_PER_STATEMENT } from '../../src/writer/retention.ts';
import { BatchWriter } from '../../src/writer/writer.ts';
import { PROVIDERS, useStores } from '../helpers/stores.ts';
import { check, createSites, log, stateChange, T0, WRITER_DEFAULTS, type WriterHarness, writerHarness, writerHarnessOn } from './harness.ts';

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

/** `perSite` checks for each of `n` sites, one a minute, oldest first. */
async function seedChecks(db: Db, n: number, perSite: number): Promise<number[]> {
  const sites = await createSites(db, n);
  await db.check.createMany({
    data: sites.flatMap((siteId) =>
      Array.from({ length: perSite }, (_, i) => ({ siteId, checkedAt: new Date(T0 + i * MINUTE), up: true, status: 'UP' as const })),
    ),
  });
  return sites;
}

/** Check counts per site, read through a command: it runs in the writer's loop, between whatever else it runs. */
function countsInLoop(h: Pick<WriterHarness, 'writer'>): Promise<Map<number, number>> {
  return h.writer.submit(async (tx) => {
    const groups = await tx.check.groupBy({ by: ['siteId'], _count: { _all: true } });
    return new Map(groups.map((g) => [g.siteId, g._count._all]));
  });
}

const stores = useStores();

describe.each(PROVIDERS)('writer retention on %s', (provider) => {
  const harness = writerHarnessOn(stores, provider);

  it('keeps exactly the newest N checks and state changes per site and N logs, at start and then every interval', async () => {
    const h = await harness({ config: { retainChecks: 5, retainStateChanges: 3, retainLogs: 4, pruneIntervalMs: 10 * MINUTE } });
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
    const h = await harness({ config: { maintenanceRetentionMs: 7 * DAY, maintenancePruneIntervalMs: 15 * 60_000 } });
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

  it('deletes the probe nodes not seen for longer than the retention, on the same timer as ended maintenance windows', async () => {
    const h = await harness({ config: { maintenancePruneIntervalMs: 15 * 60_000 } });
    const now = h.clock.nowMs();
    const node = (id: string, seenAgo: number) => h.db.probeNode.create({ data: { id, name: id, region: 'eu', lastSeen: new Date(now - seenAgo) } });
    await node('seen 31 days ago', SILENT_PROBE_NODE_RETENTION_MS + DAY);
    await node('seen just past the retention', SILENT_PROBE_NODE_RETENTION_MS + 1);
    await node('seen exactly at the retention', SILENT_PROBE_NODE_RETENTION_MS);
    await node('seen 29 days ago', SILENT_PROBE_NODE_RETENTION_MS - DAY);
    await node('seen now', 0);
    const nodes = async () => (await h.db.probeNode.findMany({ orderBy: { lastSeen: 'asc' } })).map((n) => n.id);

    h.writer.start();
    await h.writer.flush();
    expect(await nodes()).toEqual(['seen exactly at the retention', 'seen 29 days ago', 'seen now']);

    // Two days later, on the next 15-minute tick, the node seen 29 days ago is past the retention too.
    h.clock.set(now + 2 * DAY - 15 * 60_000);
    h.clock.advance(15 * 60_000);
    await h.writer.flush();
    expect(await nodes()).toEqual(['seen now']);
  });

  it('keeps exactly the newest N when the history spans many statements, and a site deletes more than one statement may', async () => {
    const h = await harness({ config: { retainChecks: 50, retainStateChanges: 4, retainLogs: 20 } });
    const sites = await createSites(h.db, 3 * PRUNE_SITES_PER_STATEMENT + 3);
    const big = sites[7]!;
    const at = (i: number) => new Date(T0 + Math.floor(i / 3) * MINUTE); // ties in threes
    const checksOf = (siteId: number) => (siteId === big ? 2 * PRUNE_ROWS_PER_STATEMENT + 600 : (siteId % 7) * 20 + 5);
    await h.db.check.createMany({
      data: sites.flatMap((siteId) => Array.from({ length: checksOf(siteId) }, (_, i) => ({ siteId, checkedAt: at(i), up: true, status: 'UP' as const }))),
    });
    await h.db.stateChange.createMany({
      data: sites.flatMap((siteId) =>
        Array.from({ length: siteId % 9 }, (_, i) => ({ siteId, fromStatus: 'UP' as const, toStatus: 'DOWN' as const, changedAt: at(i) })),
      ),
    });
    await h.db.log.createMany({
      data: Array.from({ length: 2 * PRUNE_ROWS_PER_STATEMENT + 300 }, (_, i) => ({ message: `log ${i}`, createdAt: at(i) })),
    });
    const seeded = await snapshot(h.db);

    h.writer.start();
    await h.writer.flush();
    const pruned = await snapshot(h.db);
    expect(ids(pruned.checks)).toEqual(newestIds(seeded.checks, 50));
    expect(ids(pruned.stateChanges)).toEqual(newestIds(seeded.stateChanges, 4));
    expect(ids(pruned.logs)).toEqual(newestIds(seeded.logs, 20));
    expect(pruned.checks.filter((r) => r.group === big)).toHaveLength(50);
  });

  it('takes turns with commands: one submitted as the prune starts runs while the prune is part done', async () => {
    const h = await harness({ config: { retainChecks: 100 } });
    const sites = await seedChecks(h.db, 5 * PRUNE_SITES_PER_STATEMENT, 105);

    h.writer.start();
    const midway = await countsInLoop(h);
    await h.writer.flush();

    const counts = sites.map((id) => midway.get(id));
    expect(counts.filter((n) => n === 100).length).toBeGreaterThan(0);
    expect(counts.filter((n) => n === 105).length).toBeGreaterThan(0);
    expect(counts.every((n) => n === 100 || n === 105)).toBe(true);
    expect(await h.db.check.count()).toBe(100 * sites.length);
  });

  it('ranks rows the writer writes during a prune with the rest: sites pruned before them keep them, later sites keep their newest N', async () => {
    const h = await harness({ config: { retainChecks: 100 } });
    const sites = await seedChecks(h.db, 5 * PRUNE_SITES_PER_STATEMENT, 105);
    const newest = T0 + 1000 * MINUTE;
    const oldest = T0 - 1000 * MINUTE;

    h.writer.start();
    // Enqueued from inside a command, so they are written between two steps of the prune.
    const midway = await h.writer.submit(async (tx) => {
      const groups = await tx.check.groupBy({ by: ['siteId'], _count: { _all: true } });
      for (const siteId of sites) {
        h.writer.enqueue(check(siteId, newest));
        h.writer.enqueue(check(siteId, oldest));
      }
      return new Map(groups.map((g) => [g.siteId, g._count._all]));
    });
    await h.writer.flush();

    const prunedBefore = sites.filter((id) => midway.get(id) === 100);
    const prunedAfter = sites.filter((id) => midway.get(id) === 105);
    expect(prunedBefore.length).toBeGreaterThan(0);
    expect(prunedAfter.length).toBeGreaterThan(0);
    const times = async (siteId: number) => (await h.db.check.findMany({ where: { siteId }, orderBy: { checkedAt: 'asc' } })).map((r) => r.checkedAt.getTime());
    const minutes = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => T0 + (from + i) * MINUTE);
    for (const siteId of prunedBefore) expect(await times(siteId)).toEqual([oldest, ...minutes(5, 105), newest]);
    for (const siteId of prunedAfter) expect(await times(siteId)).toEqual([...minutes(6, 105), newest]);
  });

  it('writesDrained waits for the writes enqueued, not for a prune in progress, which flush waits for', async () => {
    const h = await harness({ config: { retainChecks: 100 } });
    const sites = await seedChecks(h.db, 5 * PRUNE_SITES_PER_STATEMENT, 105);

    h.writer.start();
    h.writer.enqueue(check(sites[0]!, T0 + 5000 * MINUTE));
    await h.writer.writesDrained();
    const midway = await countsInLoop(h);
    expect(sites.map((id) => midway.get(id)).filter((n) => n === 105).length).toBeGreaterThan(0);
    expect(await h.db.check.count({ where: { checkedAt: new Date(T0 + 5000 * MINUTE) } })).toBe(1);

    await h.writer.flush();
    expect(await h.db.check.count()).toBe(100 * sites.length);
  });

  it('stop abandons a prune part done, and the next start finishes it', async () => {
    const h = await harness({ config: { retainChecks: 100 } });
    const sites = await seedChecks(h.db, 5 * PRUNE_SITES_PER_STATEMENT, 105);

    h.writer.start();
    await countsInLoop(h);
    await h.writer.stop();
    const stopped = await h.db.check.count();
    expect(stopped).toBeGreaterThan(100 * sites.length);
    expect(stopped).toBeLessThan(105 * sites.length);

    const restarted = new BatchWriter({ db: h.writeDb, clock: h.clock, logger: pino({ level: 'silent' }), config: { ...WRITER_DEFAULTS, retainChecks: 100 } });
    restarted.start();
    await restarted.flush();
    await restarted.stop();
    expect(await h.db.check.count()).toBe(100 * sites.length);
  });
});

describe("retention off (the CLI's writer)", () => {
  it('prunes nothing, at start or on the timer, and still writes', async () => {
    const h = await writerHarness({ retention: false, config: { retainChecks: 5, pruneIntervalMs: 10 * MINUTE } });
    const [siteId] = await seedChecks(h.db, 1, 20);
    h.writer.start();
    h.writer.enqueue(check(siteId!, T0 + DAY));
    await h.writer.flush();
    await h.clock.advance(30 * MINUTE);
    await h.writer.flush();
    expect(await h.db.check.count()).toBe(21);
  });
});
