import { exportBackup, SITES_PER_STEP } from '../../src/backup/export.ts';
import { ROWS_PER_STATEMENT } from '../../src/backup/insert.ts';
import { MONITORS_PER_STEP } from '../../src/backup/kuma.ts';
import { SITES_PLANNED_PER_STEP } from '../../src/backup/plan.ts';
import { PAGE_SIZE } from '../../src/engine/sites.ts';
import { BODY_SLICE } from '../../src/http/routes.ts';
import { SITES_PER_STATEMENT } from '../../src/writer/remove-sites.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { recordTurns } from '../helpers/turns.ts';
import { call, stubChecks } from './helpers.ts';

/**
 * The wipe before an import: for each SITES_PER_STATEMENT sites, their checks, state changes and rollups (these
 * fleets have less history than a statement deletes) and then the sites, a statement per step; then the three tables
 * that are not a site's.
 */
const wipeSteps = (sites: number) => Math.ceil(sites / SITES_PER_STATEMENT) * 4 + 3;

/**
 * The engine's reload after an import: every site, then every runtime state (none, after the wipe), read a page per
 * step until a page comes back short.
 */
const reloadPages = (sites: number) => Math.floor(sites / PAGE_SIZE) + 1 + 1;

/**
 * `count` paused sites made at once, push monitors (with their tokens, which an import keeps) and HTTP ones, and a
 * channel linked to the first site, the last and those either side of the first page's end.
 */
async function seedFleet(t: TestApp, count: number): Promise<void> {
  const { engine, writeDb, services } = t.app.deps;
  const channel = await services.alertChannels.create({ name: 'hook', provider: 'WEBHOOK', settings: { url: 'https://hooks.example.com/x' } });
  await engine.reload(async () => {
    await writeDb.site.createMany({
      data: Array.from({ length: count }, (_, i) =>
        i % 2
          ? { name: `cron ${i}`, type: 'PUSH' as const, paused: true, pushToken: i.toString(16).padStart(32, '0') }
          : { name: `web ${i}`, type: 'HTTP' as const, paused: true, url: `https://s${i}.example.com/` },
      ),
    });
    const ids = (await writeDb.site.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((s) => s.id);
    const linked = [0, PAGE_SIZE - 1, PAGE_SIZE, count - 1].filter((i) => i < count).map((i) => ids[i]!);
    await writeDb.siteAlertChannel.createMany({ data: linked.map((siteId) => ({ siteId, alertChannelId: channel.id })) });
  });
}

describe('backup routes over a large fleet: a step per turn of the event loop', () => {
  it.override({ appOptions: { runCheck: stubChecks([]) } });

  it('export: a page of sites read per step, then SITES_PER_STEP mapped, then serialised, per step; the body is unchanged', async ({ app: t, admin }) => {
    const count = 2 * PAGE_SIZE + 1;
    await seedFleet(t, count);
    const record = recordTurns();
    const res = await call(t, 'GET', '/api/backup/export', { token: admin.token }).finally(record.stop);
    expect(res.status).toBe(200);
    // Three pages (the last of one site), the sites mapped, then serialised; then the router writes a slice per turn.
    const slices = Math.ceil(res.text.length / BODY_SLICE);
    expect(record.steps()).toBe(3 + 2 * Math.ceil(count / SITES_PER_STEP) + slices - 1);
    expect(record.crowded()).toBe(-1);

    // Exactly the JSON one JSON.stringify of the backup gives, every site there in id order with its channels.
    const backup = await exportBackup(t.app.deps, { redactSecrets: true, includeUsers: true });
    expect(res.text).toBe(JSON.stringify(backup));
    const rows = await t.app.deps.db.site.findMany({ orderBy: { id: 'asc' }, include: { alertChannels: true } });
    expect(rows).toHaveLength(count);
    expect(backup.sites.map((s) => [s.ID, s.Name, s.Token, s.Uptop!.AlertIDs])).toEqual(
      rows.map((r) => [r.id, r.name, r.pushToken ?? '', r.alertChannels.map((l) => l.alertChannelId)]),
    );
  });

  it('import: sites planned, tables wiped, site rows built and inserted in steps; exported again, the backup is the same', async ({ app: t, admin }) => {
    const count = 2 * ROWS_PER_STATEMENT + 1;
    await seedFleet(t, count);
    const before = await call(t, 'GET', '/api/backup/export?redact_secrets=false', { token: admin.token });
    const record = recordTurns();
    const res = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: before.text }).finally(record.stop);
    expect(res).toMatchObject({ status: 200, text: expect.stringContaining(`${count} sites, 1 alerts`) });
    // The site rows are built in steps, then inserted in as many; the channel and the links take a statement each.
    const siteRows = Math.ceil(count / ROWS_PER_STATEMENT);
    expect(record.steps()).toBe(Math.ceil(count / SITES_PLANNED_PER_STEP) + wipeSteps(count) + 2 * siteRows + 2 + reloadPages(count));
    expect(record.crowded()).toBe(-1);

    const after = await call(t, 'GET', '/api/backup/export?redact_secrets=false', { token: admin.token });
    expect(after.text).toBe(before.text);
    expect(t.app.deps.engine.siteIds()).toHaveLength(count);
  });

  it('Kuma import: monitors read, then converted, MONITORS_PER_STEP per step, then imported as a backup is', async ({ app: t, admin }) => {
    const count = 2 * MONITORS_PER_STEP + 1;
    const monitorList = Array.from({ length: count }, (_, i) => ({ id: i + 1, name: `cron ${i}`, type: 'push', pushToken: `kuma-${i}`, active: false }));
    const record = recordTurns();
    const res = await call(t, 'POST', '/api/import/kuma', { token: admin.token, body: { version: '1.23.16', notificationList: [], monitorList } }).finally(
      record.stop,
    );
    expect(res).toMatchObject({ status: 200, text: `Imported ${count} monitors, 0 alerts from Kuma v1.23.16` });
    const siteRows = Math.ceil(count / ROWS_PER_STATEMENT);
    expect(record.steps()).toBe(
      2 * Math.ceil(count / MONITORS_PER_STEP) + Math.ceil(count / SITES_PLANNED_PER_STEP) + wipeSteps(0) + 2 * siteRows + reloadPages(count),
    );
    expect(record.crowded()).toBe(-1);

    const sites = await t.app.deps.db.site.findMany({ orderBy: { id: 'asc' } });
    expect(sites.map((s) => [s.id, s.name, s.type, s.pushToken, s.paused])).toEqual(monitorList.map((m) => [m.id, m.name, 'PUSH', m.pushToken, true]));
  });
});
