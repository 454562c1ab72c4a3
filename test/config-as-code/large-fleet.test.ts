import { Document, parse as parseYaml } from 'yaml';
import { applyConfig, ConfigFileError, exportConfig, formatPlan } from '../../src/config-as-code/index.ts';
import { MONITORS_PER_STEP } from '../../src/config-as-code/plan.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { recordTurns } from '../helpers/turns.ts';

/** A group of MONITORS_PER_STEP + 1 monitors and MONITORS_PER_STEP monitors beside it: one page of sites. */
const SITES = 2 * MONITORS_PER_STEP + 2;
const steps = (items: number) => Math.ceil(items / MONITORS_PER_STEP);

/** The fleet, paused and loaded by the engine at once, with an alert on the group and a window. */
async function addFleet(t: TestApp): Promise<void> {
  const { engine, writeDb, secretBox } = t.app.deps;
  const now = new Date();
  const settings = secretBox.seal(JSON.stringify({ url: 'https://hooks.slack.com/services/T/B/x' }));
  const ops = await writeDb.alertChannel.create({ data: { name: 'ops', provider: 'SLACK', settings, createdAt: now, updatedAt: now } });
  await engine.reload(async () => {
    const edge = await writeDb.site.create({ data: { name: 'edge', type: 'GROUP', alertChannels: { create: [{ alertChannelId: ops.id }] } } });
    const push = (name: string, parentId: number | null) => ({ name, type: 'PUSH' as const, paused: true, parentId });
    await writeDb.site.createMany({
      data: [
        ...Array.from({ length: MONITORS_PER_STEP + 1 }, (_, i) => push(`edge ${i}`, edge.id)),
        ...Array.from({ length: MONITORS_PER_STEP }, (_, i) => push(`cron ${i}`, null)),
      ],
    });
  });
  await writeDb.maintenanceWindow.create({ data: { title: 'upgrade', startsAt: new Date('2030-01-01T00:00:00Z'), createdBy: 'test', createdAt: now } });
}

/** The file as the export wrote it before it went in steps: the content as one YAML document. */
function oneDocument(content: unknown): string {
  const doc = new Document(content);
  doc.commentBefore = ' uptop configuration (uptop apply -f <file>). It holds alert secrets in plain text: keep it private.';
  return doc.toString({ lineWidth: 0 });
}

describe('config as code of a large fleet', () => {
  it('exports in steps: a page of sites read, then MONITORS_PER_STEP monitors made entries and written per turn', async ({ app: t }) => {
    await addFleet(t);
    const record = recordTurns();
    const yaml = await exportConfig(t.app.deps).finally(record.stop);
    // Written in five parts: the alert, the group with its first MONITORS_PER_STEP children, its last child, the
    // monitors beside it, the window.
    expect(record.steps()).toBe(1 + steps(SITES) + 5);
    expect(record.crowded()).toBe(-1);

    const json = await exportConfig(t.app.deps, { format: 'json' });
    expect(yaml).toBe(oneDocument(JSON.parse(json)));
    const file = parseYaml(yaml) as { monitors: { name: string; alert?: string; monitors?: unknown[] }[] };
    expect(file.monitors).toHaveLength(MONITORS_PER_STEP + 1);
    expect(file.monitors[0]).toMatchObject({ name: 'edge', alert: 'ops' });
    expect(file.monitors[0]!.monitors).toHaveLength(MONITORS_PER_STEP + 1);
  });

  it("plans a dry run in steps: the file's monitors checked, a page of sites read, the monitors compared", async ({ app: t }) => {
    await addFleet(t);
    const yaml = await exportConfig(t.app.deps);
    const edited = yaml.replace('name: cron 7\n', 'name: cron 7\n    interval: 90\n');
    const record = recordTurns();
    const plan = await applyConfig(t.app.deps, { text: edited, fileName: 'uptop.yaml', dryRun: true }).finally(record.stop);
    expect(record.steps()).toBe(steps(SITES) + 1 + steps(SITES));
    expect(record.crowded()).toBe(-1);
    expect(formatPlan(plan)).toBe('~ update monitor "cron 7" (interval)\n0 to create, 1 to update, 0 to delete');
    expect((await applyConfig(t.app.deps, { text: yaml, fileName: 'uptop.yaml', dryRun: true })).changes).toEqual([]);

    // A problem found in a later step still names its line.
    const line = yaml.split('\n').indexOf('  - name: cron 150') + 1;
    const error = await applyConfig(t.app.deps, { text: yaml.replace('name: cron 150\n', 'name: cron 150\n    interval: 2\n'), fileName: 'uptop.yaml' }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as ConfigFileError).message).toBe(`uptop.yaml:${line + 1}: monitors[151].interval: must be at least 5 seconds`);
  });
});
