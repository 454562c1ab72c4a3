import { applyConfig } from '../../src/config-as-code/index.ts';
import { PRUNE_ROWS_PER_STATEMENT } from '../../src/writer/retention.ts';
import { ROLLUP_LEVELS } from '../../src/writer/rollups.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { recordTurns } from '../helpers/turns.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);

/** A paused site with `checks` checks, 10 state changes and a minute and a day rollup per check; its id. */
async function siteWithHistory(t: TestApp, name: string, checks: number): Promise<number> {
  const { writeDb, engine } = t.app.deps;
  const { id } = await writeDb.site.create({ data: { name, type: 'PUSH', paused: true, pushToken: name.padStart(32, '0') } });
  await engine.siteChanged(id);
  const at = (i: number) => new Date(T0 + i * MINUTE);
  await writeDb.check.createMany({ data: Array.from({ length: checks }, (_, i) => ({ siteId: id, checkedAt: at(i), up: true, status: 'UP' as const })) });
  await writeDb.stateChange.createMany({
    data: Array.from({ length: 10 }, (_, i) => ({ siteId: id, fromStatus: 'UP' as const, toStatus: 'DOWN' as const, reason: 'x', changedAt: at(i) })),
  });
  const rollup = (width: number, i: number) => ({
    siteId: id,
    width,
    start: new Date(T0 + i * width * 1000),
    count: 1,
    upCount: 1,
    latencyCount: 0,
    latencySum: 0,
    sketch: '',
  });
  await writeDb.checkRollup.createMany({
    data: Array.from({ length: checks }, (_, i) => [rollup(ROLLUP_LEVELS.minute, i), rollup(ROLLUP_LEVELS.day, i)]).flat(),
  });
  return id;
}

async function historyOf(t: TestApp, siteId: number) {
  const { db } = t.app.deps;
  const where = { where: { siteId } };
  const [checks, stateChanges, rollups, site] = await Promise.all([
    db.check.count(where),
    db.stateChange.count(where),
    db.checkRollup.count(where),
    db.site.count({ where: { id: siteId } }),
  ]);
  return { site, checks, stateChanges, rollups };
}

describe('deleting sites with their history: bounded statements, a turn each', () => {
  it('deleteSite: checks, state changes and rollups in statements of at most PRUNE_ROWS_PER_STATEMENT rows, then the site', async ({ app: t }) => {
    const big = await siteWithHistory(t, 'big', PRUNE_ROWS_PER_STATEMENT + 1);
    const kept = await siteWithHistory(t, 'kept', 3);
    const record = recordTurns();
    await t.app.deps.services.sites.remove(big).finally(record.stop);
    // Checks in two statements, state changes in one, rollups (two per check) in three, then the site's row.
    expect(record.steps()).toBe(2 + 1 + 3 + 1);
    expect(record.crowded()).toBe(-1);
    expect(await historyOf(t, big)).toEqual({ site: 0, checks: 0, stateChanges: 0, rollups: 0 });
    expect(await historyOf(t, kept)).toEqual({ site: 1, checks: 3, stateChanges: 10, rollups: 6 });
    expect(t.app.deps.engine.siteIds()).toEqual([kept]);
  });

  it('apply --prune: the pruned sites and their history go the same way; the others keep theirs', async ({ app: t }) => {
    const pruned = [await siteWithHistory(t, 'old a', PRUNE_ROWS_PER_STATEMENT), await siteWithHistory(t, 'old b', 1)];
    const kept = await siteWithHistory(t, 'kept', 3);
    const options = { text: 'monitors:\n  - name: kept\n    type: push\n    paused: true\n', fileName: 'uptop.yaml', prune: true };
    const planning = recordTurns();
    await applyConfig(t.app.deps, { ...options, dryRun: true }).finally(planning.stop);
    const record = recordTurns();
    const result = await applyConfig(t.app.deps, options).finally(record.stop);
    expect(result.summary).toBe('0 to create, 0 to update, 2 to delete');
    expect(record.crowded()).toBe(-1);
    // The plan's steps, then both sites' checks (501) in two statements, their state changes in one, rollups (1,002)
    // in three, the sites in one.
    expect(record.steps()).toBe(planning.steps() + 2 + 1 + 3 + 1);
    for (const id of pruned) expect(await historyOf(t, id)).toEqual({ site: 0, checks: 0, stateChanges: 0, rollups: 0 });
    expect(await historyOf(t, kept)).toEqual({ site: 1, checks: 3, stateChanges: 10, rollups: 6 });
    expect(t.app.deps.engine.siteIds()).toEqual([kept]);
  });
});
