import type { Checker } from '../../src/engine/checks/types.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { seedFullWorld } from '../helpers/full-world.ts';
import { call, exportAs, stubChecks } from './helpers.ts';

/** The configuration rows a backup carries, every column, secrets opened: equal rows are an exact restore. */
async function configRows(t: TestApp) {
  await t.app.deps.writer.flush();
  const { db, secretBox } = t.app.deps;
  const byId = { orderBy: { id: 'asc' } } as const;
  const sites = await db.site.findMany(byId);
  const channels = await db.alertChannel.findMany(byId);
  return {
    sites: sites.map((s) => ({ ...s, authSecret: s.authSecret === null ? null : secretBox.open(s.authSecret) })),
    channels: channels.map((c) => ({ ...c, settings: JSON.parse(secretBox.open(c.settings)) })),
    links: await db.siteAlertChannel.findMany({ orderBy: [{ siteId: 'asc' }, { alertChannelId: 'asc' }] }),
    windows: await db.maintenanceWindow.findMany(byId),
  };
}

describe('backup round trip of every kind of object', () => {
  it.override({ appOptions: { runCheck: stubChecks([]) } });

  it('export, import into a fresh database, export again: the same file and the same rows, every column', async ({ app: source, admin, clock }) => {
    const world = await seedFullWorld(source);
    // Credentials the check no longer sends (auth switched off, basic to bearer) are kept by the API: a restore too.
    await source.app.deps.services.sites.update(world.http.id, { authType: 'NONE' });
    await source.app.deps.services.sites.update(world.bearer.id, { authUsername: 'from-basic' });
    const exported = await exportAs(source, admin.token, false);
    const before = await configRows(source);

    clock.advance(3_600_000);
    const target = await startTestApp({ clock, runCheck: stubChecks([]) });
    const empty = await configRows(target);
    const badTime = structuredClone(exported);
    badTime.alerts[1].Uptop.CreatedAt = 'yesterday';
    const refused = await call(target, 'POST', '/api/backup/import', { token: target.users.admin.token, body: badTime });
    expect(refused).toMatchObject({
      status: 400,
      text: `Invalid backup:\nalerts[1] (ID ${exported.alerts[1].ID}, "slack").Uptop.CreatedAt: must be an RFC 3339 time such as 2026-01-02T15:04:05Z`,
    });
    expect(await configRows(target)).toEqual(empty);

    const res = await call(target, 'POST', '/api/backup/import', { token: target.users.admin.token, body: exported });
    expect(res).toMatchObject({ status: 200, text: 'Import Successful (users excluded — manage via CLI): 7 sites, 12 alerts, 4 maintenance windows' });

    expect(await exportAs(target, target.users.admin.token, false)).toEqual(exported);
    expect(await configRows(target)).toEqual(before);
  });
});

describe('a redacted backup of every kind of object', () => {
  it.override({ appOptions: { runCheck: stubChecks([]) } });

  it('is refused by a fresh database, every secret it could not restore named, and nothing stored', async ({ app: source, admin, clock }) => {
    const world = await seedFullWorld(source);
    const redacted = await exportAs(source, admin.token);
    const target = await startTestApp({ clock, runCheck: stubChecks([]) });
    const before = await configRows(target);

    const res = await call(target, 'POST', '/api/backup/import', { token: target.users.admin.token, body: redacted });
    expect(res.status).toBe(400);
    const [heading, ...lines] = res.text.split('\n');
    expect(heading).toBe('Invalid backup:');
    const secretKeys: Record<string, string[]> = {
      discord: ['url'],
      slack: ['url'],
      webhook: ['url', 'secret'],
      email: ['user', 'pass'],
      ntfy: ['url', 'username', 'password'],
      telegram: ['token'],
      pagerduty: ['routing_key'],
      pushover: ['token', 'user'],
      gotify: ['url', 'token'],
      opsgenie: ['api_key'],
      teams: ['url'],
      matrix: ['access_token'],
    };
    const alertLines = world.channels.flatMap((c, i) =>
      secretKeys[c.name]!.map(
        (key) => `alerts[${i}] (ID ${c.id}, "${c.name}").Settings.${key}: is redacted; import a backup exported with ?redact_secrets=false`,
      ),
    );
    const siteLines = (site: { id: number; name: string }, fields: string[]) => {
      const row = `sites[${redacted.sites.findIndex((s: { ID: number }) => s.ID === site.id)}] (ID ${site.id}, "${site.name}")`;
      return fields.map((field) => `${row}.${field}: is redacted; import a backup exported with ?redact_secrets=false`);
    };
    expect(lines.sort()).toEqual(
      [
        ...alertLines,
        ...siteLines(world.http, ['Uptop.AuthSecret', 'Uptop.Headers.X-Api-Key', 'Uptop.Headers.X-Count', 'Uptop.Headers.X-Debug']),
        ...siteLines(world.bearer, ['Uptop.AuthSecret']),
      ].sort(),
    );
    expect(await configRows(target)).toEqual(before);
  });
});

describe('the running engine after a backup is imported over its own database', () => {
  const checked: number[] = [];
  // The HTTP monitor named API fails; every other check passes.
  const runCheck: Checker = async (site) => {
    checked.push(site.id);
    return site.name === 'API'
      ? { status: 'DOWN', statusCode: 503, latencyMs: 2, hasSsl: false, certExpiresAt: null, message: 'HTTP 503' }
      : { status: 'UP', statusCode: 200, latencyMs: 1, hasSsl: false, certExpiresAt: null, message: '' };
  };
  it.override({ appOptions: { runCheck } });

  it('keeps push tokens working and paused monitors paused; a DOWN monitor starts again PENDING, its history gone', async ({ app: t, admin, clock }) => {
    const world = await seedFullWorld(t);
    const { engine, writer, db } = t.app.deps;
    for (let i = 0; i <= world.http.maxRetries; i++) await engine.checkNow(world.http.id);
    expect(engine.getState(world.http.id)?.status).toBe('DOWN');
    const beat = () => fetch(`${t.url}/api/push/${world.push.pushToken}`, { method: 'POST' });
    expect((await beat()).status).toBe(200);
    expect(engine.getState(world.push.id)?.status).toBe('UP');

    const backup = await exportAs(t, admin.token, false);
    expect((await call(t, 'POST', '/api/backup/import', { token: admin.token, body: backup })).status).toBe(200);
    await engine.recentSeeded();

    // As the README says: every site starts PENDING, the history (the open incident's DOWN change too) is replaced.
    expect(engine.getState(world.http.id)).toMatchObject({ status: 'PENDING', failureCount: 0, lastCheckAt: null });
    await writer.flush();
    expect(await db.stateChange.count({ where: { siteId: world.http.id } })).toBe(0);

    expect(engine.getState(world.push.id)?.status).toBe('PENDING');
    expect((await beat()).status).toBe(200);
    expect(engine.getState(world.push.id)?.status).toBe('UP');

    for (const paused of [world.ping, world.bearer]) {
      expect(engine.getSite(paused.id)).toMatchObject({ paused: true });
      expect(engine.displayStatus(paused.id)).toBe('PAUSED');
    }
    checked.length = 0;
    await clock.advanceAsync(65_000);
    await engine.whenIdle();
    expect(checked).toContain(world.http.id);
    expect(checked).not.toContain(world.ping.id);
    expect(checked).not.toContain(world.bearer.id);
  });
});
