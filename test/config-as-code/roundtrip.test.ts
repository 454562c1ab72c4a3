import type { Checker } from '../../src/engine/checks/types.ts';
import { applyConfig, exportConfig } from '../../src/config-as-code/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { seedFullWorld } from '../helpers/full-world.ts';

const apply = (t: TestApp, text: string) => applyConfig(t.app.deps, { text, fileName: 'uptop.yaml' });

/**
 * Every column the file carries, by name: ids, push tokens and timestamps are the database's own (the file matches by
 * name, and a push monitor the file creates gets a new token), links and parents by name.
 */
async function carriedRows(t: TestApp) {
  const { db, secretBox } = t.app.deps;
  const [sites, channels, windows] = await Promise.all([
    db.site.findMany({ orderBy: { name: 'asc' }, include: { parent: true, alertChannels: { include: { alertChannel: true } } } }),
    db.alertChannel.findMany({ orderBy: { name: 'asc' } }),
    db.maintenanceWindow.findMany({ orderBy: { title: 'asc' }, include: { site: true } }),
  ]);
  return {
    sites: sites.map(({ id, pushToken, createdAt, updatedAt, parentId, parent, alertChannels, authUsername, authSecret, ...site }) => ({
      ...site,
      // Only the credentials the check sends: those auth switched off kept are the database's (see below).
      authUsername: site.authType === 'BASIC' ? authUsername : null,
      authSecret: authSecret === null || site.authType === 'NONE' ? null : secretBox.open(authSecret),
      parent: parent?.name ?? null,
      alerts: alertChannels.map((link) => link.alertChannel.name).sort(),
    })),
    channels: channels.map(({ id, createdAt, updatedAt, settings, ...channel }) => ({ ...channel, settings: JSON.parse(secretBox.open(settings)) })),
    windows: windows.map(({ id, siteId, site, createdAt, createdBy, ...w }) => ({ ...w, site: site?.name ?? null })),
  };
}

describe('config as code round trip of every kind of object', () => {
  // The HTTP monitor named API fails; every other check passes.
  const runCheck: Checker = async (site) =>
    site.name === 'API'
      ? { status: 'DOWN', statusCode: 503, latencyMs: 2, hasSsl: false, certExpiresAt: null, message: 'HTTP 503' }
      : { status: 'UP', statusCode: 200, latencyMs: 1, hasSsl: false, certExpiresAt: null, message: '' };
  it.override({ appOptions: { runCheck } });

  it('export then apply on the same database plans nothing; applied to a fresh one, every field comes back and exports the same', async ({
    app: source,
    clock,
  }) => {
    const { bearer, http } = await seedFullWorld(source);
    const { sites } = source.app.deps.services;
    // The file cannot say 0 days (README, Defaults: 0 means the default, as in Go); one day it can.
    await sites.update(bearer.id, { expiryThreshold: 1 });
    // Auth switched off, or from basic to bearer, through the API: the credentials it no longer sends are kept.
    await sites.update(http.id, { authType: 'NONE' });
    await sites.update(bearer.id, { authUsername: 'from-basic' });
    for (const format of ['yaml', 'json'] as const) {
      const file = await exportConfig(source.app.deps, { format });
      expect(await apply(source, file)).toEqual({ changes: [], summary: 'No changes', applied: true });

      const target = await startTestApp({ clock });
      const created = await apply(target, file);
      expect(created.summary).toBe('23 to create, 0 to update, 0 to delete');
      expect(await exportConfig(target.app.deps, { format })).toBe(file);
      expect(await carriedRows(target)).toEqual(await carriedRows(source));
      await target.stop();
    }

    // An apply that changes the monitor but not its auth keeps the credentials it could not write.
    const file = JSON.parse(await exportConfig(source.app.deps, { format: 'json' }));
    file.monitors.find((m: { name: string }) => m.name === 'Production').monitors.find((m: { name: string }) => m.name === 'API').interval = 90;
    const changed = await apply(source, JSON.stringify(file));
    expect(changed.changes).toEqual([{ action: 'update', kind: 'monitor', name: 'API', changes: ['interval'] }]);
    const row = await source.app.deps.db.site.findUniqueOrThrow({ where: { id: http.id } });
    expect(row).toMatchObject({ interval: 90, authType: 'NONE', authUsername: 'probe' });
    expect(source.app.deps.secretBox.open(row.authSecret!)).toBe('basic-secret');
  });

  it('an apply that edits every monitor leaves the running engine as it was: states, push tokens, pauses', async ({ app: t }) => {
    const world = await seedFullWorld(t);
    const { engine } = t.app.deps;
    for (let i = 0; i <= world.http.maxRetries; i++) await engine.checkNow(world.http.id);
    const beat = () => fetch(`${t.url}/api/push/${world.push.pushToken}`, { method: 'POST' });
    expect((await beat()).status).toBe(200);
    const states = () => [world.http, world.push, world.ping, world.bearer].map((s) => [engine.getState(s.id)?.status, engine.displayStatus(s.id)]);
    expect(states()).toEqual([
      ['DOWN', 'DOWN'],
      ['UP', 'UP'],
      ['PENDING', 'PAUSED'],
      ['PENDING', 'PAUSED'],
    ]);

    const file = JSON.parse(await exportConfig(t.app.deps, { format: 'json' }));
    const edit = (m: { description?: string; monitors?: unknown[] }) => {
      m.description = 'edited';
      m.monitors?.forEach((child) => edit(child as typeof m));
    };
    file.monitors.forEach(edit);
    expect((await apply(t, JSON.stringify(file))).summary).toBe('0 to create, 7 to update, 0 to delete');

    expect(states()).toEqual([
      ['DOWN', 'DOWN'],
      ['UP', 'UP'],
      ['PENDING', 'PAUSED'],
      ['PENDING', 'PAUSED'],
    ]);
    expect((await beat()).status).toBe(200);
  });

  it('export then apply plans nothing for windows that ended, one of them before it began', async ({ app: t, clock }) => {
    const { maintenance } = t.app.deps.services;
    const later = await maintenance.create({ title: 'called off', startsAt: new Date(clock.now().getTime() + 86_400_000) }, 'admin');
    const started = await maintenance.create({ title: 'done', startsAt: new Date(clock.now().getTime() - 60_000) }, 'admin');
    clock.advance(1000);
    await maintenance.end(later.id);
    await maintenance.end(started.id);
    const file = await exportConfig(t.app.deps);
    expect(await apply(t, file)).toEqual({ changes: [], summary: 'No changes', applied: true });
  });
});
