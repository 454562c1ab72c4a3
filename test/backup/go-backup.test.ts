import { isEncrypted } from '../../src/alerts/crypto.ts';
import { importBackup } from '../../src/backup/index.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { call, exportAs, readFixture, stored, stubChecks } from './helpers.ts';

const KEY = 'a'.repeat(64);

describe('a backup taken from the Go uptop', () => {
  it.override({ appOptions: { env: { UPTOP_ENCRYPTION_KEY: KEY }, runCheck: stubChecks([]) } });

  it('imports field by field: sites, groups, channels with their Go settings keys, windows; users stay', async ({ app: t, admin }) => {
    const res = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: readFixture('go-backup.json') });
    expect(res).toMatchObject({ status: 200, text: 'Import Successful (users excluded — manage via CLI): 7 sites, 10 alerts, 3 maintenance windows' });

    const { db } = t.app.deps;
    const { ids, site, links, channels, settingsOf } = await stored(t);
    expect(ids).toEqual([1, 2, 3, 5, 7, 8, 9]);
    expect(site(1)).toMatchObject({ name: 'Production', type: 'GROUP', parentId: null, description: 'all production services', url: null });
    expect(links(1)).toEqual([1]);
    expect(site(2)).toMatchObject({
      name: 'API',
      type: 'HTTP',
      url: 'https://api.example.com/health',
      interval: 30,
      timeout: 10,
      maxRetries: 2,
      method: 'HEAD',
      acceptedCodes: '200-299,301',
      checkSsl: true,
      expiryThreshold: 14,
      ignoreTls: true,
      parentId: 1,
      description: 'public API',
      regions: 'eu-west,us-east',
      paused: false,
      pushToken: null,
      authType: 'NONE',
      public: true,
    });
    expect(links(2)).toEqual([2]);
    expect(site(3)).toMatchObject({
      name: 'Nightly backup',
      type: 'PUSH',
      pushToken: '4f6c2d9e8a1b3c5d7e9f0a2b4c6d8e0f',
      interval: 86400,
      maxRetries: 1,
      parentId: 1,
    });
    expect(site(5)).toMatchObject({ name: 'Router', type: 'PING', hostname: '10.0.0.1', interval: 15, timeout: 2, maxRetries: 3, paused: true, port: null });
    expect(links(5)).toEqual([]);
    expect(site(7)).toMatchObject({ name: 'SSH', type: 'PORT', hostname: 'bastion.example.com', port: 22, timeout: 3 });
    expect(site(8)).toMatchObject({
      name: 'Mail exchanger',
      type: 'DNS',
      hostname: 'example.com',
      dnsResolveType: 'MX',
      dnsServer: '8.8.8.8:53',
      interval: 300,
    });
    // Go's zero values take the Go original's defaults; a threshold of 0 is a real setting.
    expect(site(9)).toMatchObject({ timeout: 5, method: 'GET', acceptedCodes: '200-299', expiryThreshold: 0, dnsResolveType: null, hostname: null });

    expect(channels.every((c) => isEncrypted(c.settings))).toBe(true);
    expect(channels.map((c) => [c.id, c.name, c.provider, settingsOf(c)])).toEqual([
      [1, 'Ops Discord', 'DISCORD', { url: 'https://discord.com/api/webhooks/123/abc' }],
      [2, 'ntfy phone', 'NTFY', { url: 'https://ntfy.example.com', topic: 'uptop-alerts', priority: '4', username: 'ops', password: 'ntfy-secret' }],
      [
        3,
        'Mail on-call',
        'EMAIL',
        { host: 'smtp.example.com', port: '587', user: 'uptop', pass: 'smtp-secret', from: 'uptop@example.com', to: 'oncall@example.com' },
      ],
      [4, 'Telegram', 'TELEGRAM', { token: '123456:ABC-telegram-secret', chat_id: '-100123456' }],
      [5, 'PagerDuty', 'PAGERDUTY', { routing_key: 'pd-routing-secret', severity: 'error' }],
      [6, 'Opsgenie EU', 'OPSGENIE', { api_key: 'genie-secret', priority: 'P2', eu: 'true' }],
      [7, 'Gotify', 'GOTIFY', { url: 'https://gotify.example.com', token: 'gotify-secret', priority: '8' }],
      [8, 'Pushover', 'PUSHOVER', { token: 'pushover-app-secret', user: 'pushover-user-secret' }],
      [9, 'Slack', 'SLACK', { url: 'https://hooks.slack.com/services/T/B/secret' }],
      [10, 'Generic hook', 'WEBHOOK', { url: 'https://hooks.example.com/uptop' }],
    ]);

    expect(await db.maintenanceWindow.findMany({ orderBy: { id: 'asc' } })).toEqual([
      expect.objectContaining({
        id: 1,
        siteId: null,
        title: 'Datacenter move',
        description: 'everything may blink',
        type: 'MAINTENANCE',
        startsAt: new Date('2026-11-20T22:00:00Z'),
        endsAt: null,
        createdBy: 'alice',
        createdAt: new Date('2026-11-20T21:55:12Z'),
        recurrence: null,
      }),
      expect.objectContaining({
        id: 4,
        siteId: 2,
        type: 'INCIDENT',
        // Go writes nanoseconds; milliseconds are kept.
        startsAt: new Date('2026-11-25T08:30:00.123Z'),
        endsAt: new Date('2026-11-25T10:00:00Z'),
        createdBy: 'bob',
      }),
      expect.objectContaining({
        id: 6,
        siteId: 1,
        title: 'Patch window',
        startsAt: new Date('2026-11-28T02:00:00Z'),
        endsAt: new Date('2026-11-28T04:00:00Z'),
      }),
    ]);

    // Over HTTP the users are never replaced (Go forces them to nil): alice and bob are not created.
    expect((await db.user.findMany({ orderBy: { id: 'asc' } })).map((u) => u.username)).toEqual(['admin', 'editor', 'viewer']);

    // The engine runs the new world at once: the open-ended global window covers every site, the Go push token answers.
    expect(t.app.deps.engine.isInMaintenance(9)).toBe(true);
    expect(t.app.deps.engine.getSite(3)?.pushToken).toBe('4f6c2d9e8a1b3c5d7e9f0a2b4c6d8e0f');
    const beat = await fetch(`${t.url}/api/push`, { headers: { authorization: 'Bearer 4f6c2d9e8a1b3c5d7e9f0a2b4c6d8e0f' } });
    expect(beat.status).toBe(200);
  });

  it('exports it back in the Go shape: PascalCase keys, RFC 3339 times, Go type names, AlertID the first channel', async ({ app: t, admin, clock }) => {
    const fixture = readFixture('go-backup.json');
    // Go's structs have no creation times: the rows are created by the import.
    const imported = { CreatedAt: clock.now().toISOString(), UpdatedAt: clock.now().toISOString() };
    expect((await call(t, 'POST', '/api/backup/import', { token: admin.token, body: fixture })).status).toBe(200);
    const exported = await exportAs(t, admin.token, false);

    // What Go reads of each site is what it wrote, its zero values given the defaults it applies itself.
    const defaults: Record<number, object> = { 1: { Timeout: 5 }, 9: { Timeout: 5, Method: 'GET', AcceptedCodes: '200-299' } };
    expect(exported.sites).toEqual(fixture.sites.map((s: any) => ({ ...s, ...defaults[s.ID], Uptop: expect.any(Object) })));
    expect(exported.sites.find((s: any) => s.ID === 2).Uptop).toEqual({
      AlertIDs: [2],
      Headers: null,
      Body: null,
      AuthType: 'none',
      AuthUsername: '',
      AuthSecret: '',
      Keyword: '',
      KeywordInvert: false,
      RenotifyMinutes: 0,
      Public: true,
      MaxRedirects: 10,
      ...imported,
    });
    expect(exported.alerts).toEqual(fixture.alerts.map((alert: object) => ({ ...alert, Uptop: imported })));
    expect(exported.maintenance_windows).toEqual([
      // An open-ended window keeps Go's zero time.
      { ...fixture.maintenance_windows[0], StartTime: '2026-11-20T22:00:00.000Z', EndTime: '0001-01-01T00:00:00Z', CreatedAt: '2026-11-20T21:55:12.000Z' },
      {
        ...fixture.maintenance_windows[1],
        StartTime: '2026-11-25T08:30:00.123Z',
        EndTime: '2026-11-25T10:00:00.000Z',
        CreatedAt: '2026-11-25T08:31:00.000Z',
      },
      {
        ...fixture.maintenance_windows[2],
        StartTime: '2026-11-28T02:00:00.000Z',
        EndTime: '2026-11-28T04:00:00.000Z',
        CreatedAt: '2026-11-27T18:00:00.000Z',
      },
    ]);
    // uptop's users, by name and role: no password hash, no key.
    expect(exported.users).toEqual([
      { ID: 1, Username: 'admin', PublicKey: '', Role: 'admin', Uptop: { Role: 'ADMIN' } },
      { ID: 2, Username: 'editor', PublicKey: '', Role: 'user', Uptop: { Role: 'EDITOR' } },
      { ID: 3, Username: 'viewer', PublicKey: '', Role: 'user', Uptop: { Role: 'VIEWER' } },
    ]);
  });

  it('through importBackup with users (the CLI): adds the missing users, locked until a password is set, and keeps the rest', async ({ app: t }) => {
    const fixture = readFixture('go-backup.json');
    fixture.users.push({ ID: 3, Username: 'admin', PublicKey: '', Role: 'user' });
    const summary = await importBackup(t.app.deps, fixture, { includeUsers: true });
    expect(summary).toEqual({ sites: 7, alerts: 10, maintenanceWindows: 3, users: { created: 2, existing: 1 } });
    const users = await t.app.deps.db.user.findMany({ orderBy: { id: 'asc' }, select: { username: true, role: true } });
    // Go's admin stays an admin; its `user` gets the least role; the existing admin is not demoted.
    expect(users).toEqual([
      { username: 'admin', role: 'ADMIN' },
      { username: 'editor', role: 'EDITOR' },
      { username: 'viewer', role: 'VIEWER' },
      { username: 'alice', role: 'ADMIN' },
      { username: 'bob', role: 'VIEWER' },
    ]);
    await expect(t.login('alice', '')).rejects.toThrow(/login as alice failed/);
    await expect(t.login('alice', '!locked')).rejects.toThrow(/login as alice failed/);
  });
});
