import http from 'node:http';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { call, exportAs, readFixture, snapshot, stubChecks } from './helpers.ts';

const CREATE_TOKEN = /* GraphQL */ `
  mutation ReadOnlyToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) { __typename ... on ApiTokenPayload { token } ... on Error { message } }
  }
`;

/** A small world made through the services: a group with children, channels, links, windows, a push monitor. */
async function seed(t: TestApp) {
  const { sites, alertChannels, maintenance } = t.app.deps.services;
  const ntfy = await alertChannels.create({
    name: 'ntfy',
    provider: 'NTFY',
    settings: { url: 'https://ntfy.example.com', topic: 'ops', username: 'u', password: 'ntfy-secret' },
  });
  const hook = await alertChannels.create({ name: 'hook', provider: 'WEBHOOK', settings: { url: 'https://hooks.example.com/x', secret: 'hmac-secret' } });
  const group = await sites.create({ name: 'group', type: 'GROUP', alertChannelIds: [hook.id] });
  const web = await sites.create({
    name: 'web down',
    type: 'HTTP',
    url: 'https://www.example.com/',
    parentId: group.id,
    httpHeaders: { 'X-Api-Key': 'header-secret' },
    httpBody: '{"ping":true}',
    method: 'POST',
    authType: 'BASIC',
    authUsername: 'me',
    authSecret: 'basic-secret',
    keyword: 'ok',
    keywordInvert: true,
    renotifyMinutes: 30,
    public: false,
    maxRedirects: 0,
    alertChannelIds: [ntfy.id, hook.id],
  });
  const push = await sites.create({ name: 'cron', type: 'PUSH', interval: 300, parentId: group.id });
  const ping = await sites.create({ name: 'gateway', type: 'PING', hostname: '192.0.2.1', paused: true });
  await maintenance.create({ title: 'weekly', recurrence: '0 3 * * 0', durationMinutes: 60, timezone: 'Europe/Berlin', siteId: group.id }, 'admin');
  await maintenance.create({ title: 'now', type: 'INCIDENT' }, 'admin');
  return { ntfy, hook, group, web, push, ping };
}

describe('backup routes: who may call them', () => {
  it.override({ appOptions: { runCheck: stubChecks([]) } });

  it('refuses an anonymous import before reading its body, so nobody can make the server buffer 64 MiB', async ({ app: t }) => {
    // Headers announce 60 MB; only a kilobyte follows. A server reading the body would wait for the rest.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        `${t.url}/api/backup/import`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(60_000_000) } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(1024, 0x20));
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatch(/Unauthorized/);
  });

  it('refuses anonymous callers (401), VIEWER, EDITOR and a read-only ADMIN token (403), changing nothing', async ({ app: t, admin, editor, viewer }) => {
    await seed(t);
    const created = await admin.request<any>(CREATE_TOKEN, { input: { name: 'dashboard', readOnly: true } });
    const readOnly = created.payload('createApiToken', 'ApiTokenPayload').token as string;
    const before = await snapshot(t);

    expect((await call(t, 'GET', '/api/backup/export')).status).toBe(401);
    expect((await call(t, 'GET', '/api/backup/export', { token: viewer.token })).status).toBe(403);
    expect((await call(t, 'GET', '/api/backup/export', { token: editor.token })).status).toBe(403);
    expect((await call(t, 'GET', '/api/backup/export', { token: readOnly })).status).toBe(403);
    expect((await call(t, 'POST', '/api/backup/import', { body: { sites: [] } })).status).toBe(401);
    expect((await call(t, 'POST', '/api/backup/import', { token: editor.token, body: { sites: [] } })).status).toBe(403);
    expect((await call(t, 'POST', '/api/import/kuma', { body: { version: '1.23.0' } })).status).toBe(401);
    expect((await call(t, 'POST', '/api/import/kuma', { token: readOnly, body: { version: '1.23.0' } })).status).toBe(403);
    expect(await snapshot(t)).toEqual(before);
  });

  it('limits each client IP to 10 requests a minute (429 with Retry-After), then lets it through again', async ({ app: t, clock }) => {
    for (let i = 0; i < 10; i++) expect((await call(t, 'GET', '/api/backup/export')).status).toBe(401);
    const limited = await call(t, 'GET', '/api/backup/export');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(t, 'POST', '/api/backup/import', { body: '{}' })).status).toBe(429);
    clock.advance(60_000);
    expect((await call(t, 'GET', '/api/backup/export')).status).toBe(401);
  });
});

describe('backup export', () => {
  it.override({ appOptions: { runCheck: stubChecks([]) } });

  it('redacts secrets by default and shows them with ?redact_secrets=false; push tokens are always there', async ({ app: t, admin }) => {
    const { ntfy, hook, web, push } = await seed(t);
    const pushToken = (await t.app.deps.db.site.findUniqueOrThrow({ where: { id: push.id } })).pushToken;

    const redacted = await exportAs(t, admin.token);
    const site = (b: any, id: number) => b.sites.find((s: any) => s.ID === id);
    const alert = (b: any, id: number) => b.alerts.find((a: any) => a.ID === id);
    expect(alert(redacted, ntfy.id).Settings).toEqual({ url: '***REDACTED***', topic: 'ops', username: '***REDACTED***', password: '***REDACTED***' });
    expect(alert(redacted, hook.id).Settings).toEqual({ url: '***REDACTED***', secret: '***REDACTED***' });
    expect(site(redacted, web.id).Uptop).toMatchObject({ AuthSecret: '***REDACTED***', Headers: { 'X-Api-Key': '***REDACTED***' }, AuthUsername: 'me' });
    expect(site(redacted, push.id).Token).toBe(pushToken);
    expect(JSON.stringify(redacted)).not.toMatch(/ntfy-secret|hmac-secret|basic-secret|header-secret|passwordHash|scrypt/);

    const plain = await exportAs(t, admin.token, false);
    expect(alert(plain, ntfy.id).Settings).toEqual({ url: 'https://ntfy.example.com', topic: 'ops', username: 'u', password: 'ntfy-secret' });
    expect(alert(plain, hook.id).Settings).toEqual({ url: 'https://hooks.example.com/x', secret: 'hmac-secret' });
    expect(site(plain, web.id)).toMatchObject({
      Type: 'http',
      AlertID: Math.min(ntfy.id, hook.id),
      Method: 'POST',
      Uptop: {
        AlertIDs: [ntfy.id, hook.id].sort((a, b) => a - b),
        Headers: { 'X-Api-Key': 'header-secret' },
        Body: '{"ping":true}',
        AuthType: 'basic',
        AuthUsername: 'me',
        AuthSecret: 'basic-secret',
        Keyword: 'ok',
        KeywordInvert: true,
        RenotifyMinutes: 30,
        Public: false,
        MaxRedirects: 0,
      },
    });
    expect(JSON.stringify(plain)).not.toMatch(/passwordHash|scrypt/);

    // A redacted backup is not a restore: importing it is refused, by name, and nothing changes.
    const before = await snapshot(t);
    const res = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: redacted });
    expect(res.status).toBe(400);
    expect(res.text).toContain(`alerts[0] (ID ${ntfy.id}, "ntfy").Settings.url: is redacted; import a backup exported with ?redact_secrets=false`);
    expect(res.text).toContain(`(ID ${web.id}, "web down").Uptop.AuthSecret: is redacted; import a backup exported with ?redact_secrets=false`);
    expect(res.text).toContain(`(ID ${web.id}, "web down").Uptop.Headers.X-Api-Key: is redacted; import a backup exported with ?redact_secrets=false`);
    expect(await snapshot(t)).toEqual(before);
  });
});

describe('backup import', () => {
  const checked: number[] = [];
  it.override({ appOptions: { runCheck: stubChecks(checked) } });

  it('round trip: export, import, export gives the same backup with the same ids, and the engine starts the new world afresh', async ({
    app: t,
    admin,
    clock,
  }) => {
    const { web, ping } = await seed(t);
    const engine = t.app.deps.engine;
    await engine.checkNow(web.id);
    expect(engine.getState(web.id)?.status).toBe('DOWN');
    await t.app.deps.writer.flush();
    expect(await t.app.deps.db.check.count({ where: { siteId: web.id } })).toBeGreaterThan(0);

    const first = await exportAs(t, admin.token, false);
    // The new world: the paused ping monitor is gone, a new port monitor comes with an id of its own.
    const next = structuredClone(first);
    next.sites = next.sites.filter((s: any) => s.ID !== ping.id);
    const newSite = { ...next.sites[0], ID: 90, Name: 'new port', Type: 'port', Hostname: '192.0.2.7', Port: 443, ParentID: 0, Token: '', AlertID: 0 };
    next.sites.push({ ...newSite, Uptop: { ...newSite.Uptop, AlertIDs: [] } });
    const res = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: next });
    expect(res).toMatchObject({ status: 200, text: 'Import Successful (users excluded — manage via CLI): 4 sites, 2 alerts, 2 maintenance windows' });

    // The DOWN site starts fresh, its history gone; the removed one is unknown; the new one is known.
    await engine.recentSeeded();
    expect(engine.getState(web.id)).toMatchObject({ status: 'PENDING', failureCount: 0, lastCheckAt: null });
    expect(engine.recentResults(web.id)).toEqual([]);
    expect(engine.getSite(ping.id)).toBeUndefined();
    expect(engine.getSite(90)).toMatchObject({ name: 'new port', type: 'PORT', port: 443 });
    await t.app.deps.writer.flush();
    expect(await t.app.deps.db.check.count()).toBe(0);
    expect(await t.app.deps.db.siteRuntimeState.count({ where: { siteId: web.id } })).toBe(0);

    // Checks run on the new world only.
    checked.length = 0;
    await clock.advanceAsync(65_000);
    await engine.whenIdle();
    expect(checked).toContain(90);
    expect(checked).toContain(web.id);
    expect(checked).not.toContain(ping.id);

    const second = await exportAs(t, admin.token, false);
    expect(second).toEqual(next);
    // And once more, unchanged: the import is exact.
    expect((await call(t, 'POST', '/api/backup/import', { token: admin.token, body: second })).status).toBe(200);
    expect(await exportAs(t, admin.token, false)).toEqual(next);
  });

  it('refuses a half-valid backup with 400 naming the site and field, and changes nothing', async ({ app: t, admin }) => {
    const { web, group, ping } = await seed(t);
    const engine = t.app.deps.engine;
    await engine.checkNow(web.id);
    await t.app.deps.writer.flush();
    const good = await exportAs(t, admin.token, false);
    const before = await snapshot(t);
    const index = (id: number) => good.sites.findIndex((s: any) => s.ID === id);
    const edited = (id: number, fields: object) => ({ ...good, sites: good.sites.map((s: any) => (s.ID === id ? { ...s, ...fields } : s)) });

    const badUrl = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: edited(web.id, { URL: 'not a url' }) });
    expect(badUrl.status).toBe(400);
    expect(badUrl.text).toBe(`Invalid backup:\nsites[${index(web.id)}] (ID ${web.id}, "web down").URL: must be an absolute http:// or https:// URL`);

    const notGroup = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: edited(ping.id, { ParentID: web.id }) });
    expect(notGroup.text).toBe(`Invalid backup:\nsites[${index(ping.id)}] (ID ${ping.id}, "gateway").ParentID: site ${web.id} is not a group`);

    const uptopAlerts = edited(ping.id, { AlertID: 999, Uptop: { ...good.sites[index(ping.id)].Uptop, AlertIDs: [999] } });
    const noAlert = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: uptopAlerts });
    expect(noAlert.text).toBe(`Invalid backup:\nsites[${index(ping.id)}] (ID ${ping.id}, "gateway").Uptop.AlertIDs: no alert with ID 999 in the backup`);
    // Go's AlertID, when the Uptop extras are there too, must still name an alert and agree with them.
    const other = (id: number) => good.alerts.find((a: any) => a.ID !== good.sites[index(id)].Uptop.AlertIDs[0]).ID;
    const both = {
      ...good,
      sites: good.sites.map((s: any) => (s.ID === ping.id ? { ...s, AlertID: 999 } : s.ID === web.id ? { ...s, AlertID: other(web.id) } : s)),
    };
    const goAlerts = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: both });
    expect(goAlerts.text.split('\n').sort()).toEqual(
      [
        'Invalid backup:',
        `sites[${index(ping.id)}] (ID ${ping.id}, "gateway").AlertID: no alert with ID 999 in the backup`,
        `sites[${index(web.id)}] (ID ${web.id}, "web down").AlertID: is not the first of Uptop.AlertIDs (${good.sites[index(web.id)].Uptop.AlertIDs.join(', ') || 'none'})`,
      ].sort(),
    );
    const goOnly = edited(ping.id, { AlertID: 999, Uptop: undefined });
    expect((await call(t, 'POST', '/api/backup/import', { token: admin.token, body: goOnly })).text).toBe(
      `Invalid backup:\nsites[${index(ping.id)}] (ID ${ping.id}, "gateway").AlertID: no alert with ID 999 in the backup`,
    );

    const wrongType = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: edited(group.id, { Interval: '60' }) });
    expect(wrongType.text).toBe(`Invalid backup:\nsites[${index(group.id)}] (ID ${group.id}, "group").Interval: must be a number`);

    const hugeTopic = {
      ...good,
      alerts: good.alerts.map((a: any, i: number) => (i === 0 ? { ...a, Settings: { ...a.Settings, topic: 'x'.repeat(5000) } } : a)),
    };
    expect((await call(t, 'POST', '/api/backup/import', { token: admin.token, body: hugeTopic })).text).toBe(
      `Invalid backup:\nalerts[0] (ID ${good.alerts[0].ID}, "ntfy").Settings.topic: must be at most 4096 bytes`,
    );

    // Some other program's JSON, or the keys capitalised: refused, not read as an empty backup that wipes everything.
    const notABackup = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: { Sites: good.sites, Alerts: good.alerts } });
    expect(notABackup.status).toBe(400);
    expect(notABackup.text).toMatch(/^Invalid backup:\n.*has neither "sites" nor "alerts"/);

    const badJson = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: '{"sites": [' });
    expect(badJson.status).toBe(400);
    expect(badJson.text).toMatch(/^Invalid JSON: /);

    expect(await snapshot(t)).toEqual(before);
    // No reload happened: the engine still holds the DOWN state.
    expect(engine.getState(web.id)?.status).toBe('DOWN');
  });

  it('refuses a window ending in the year 10000 in UTC with 400 naming the field, and changes nothing', async ({ app: t, admin }) => {
    await seed(t);
    const good = await exportAs(t, admin.token, false);
    const before = await snapshot(t);
    // "Never ends" in New York time is the year 10000 in UTC, which the store cannot write (it failed mid-import).
    const forever = { ID: 1, Title: 'freeze', StartTime: '2026-01-01T00:00:00Z', EndTime: '9999-12-31T23:59:59-05:00' };
    const res = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: { ...good, maintenance_windows: [forever] } });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/^Invalid backup:\n.*EndTime: must be between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in UTC$/);
    expect(await snapshot(t)).toEqual(before);
  });

  it("refuses a tampered backup whose lists or rows are not what they must be, naming each in the file's terms, and changes nothing", async ({
    app: t,
    admin,
    clock,
  }) => {
    await seed(t);
    const good = await exportAs(t, admin.token, false);
    const before = await snapshot(t);
    const tampered = {
      ...good,
      sites: [null, ...good.sites.slice(1)],
      alerts: 'ntfy',
      users: [7],
      maintenance_windows: [{ ...good.maintenance_windows[0], Uptop: [] }],
    };
    const res = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: tampered });
    expect(res.status).toBe(400);
    expect(res.text.split('\n')).toEqual([
      'Invalid backup:',
      'sites[0]: must be an object {...}',
      'alerts: must be a list [...]',
      'users[0]: must be an object {...}',
      `maintenance_windows[0] (ID ${good.maintenance_windows[0].ID}, "weekly").Uptop: must be an object {...}`,
    ]);
    const ids = { ...good, sites: good.sites.map((s: any, i: number) => (i === 0 ? { ...s, Uptop: { ...s.Uptop, AlertIDs: {} } } : s)) };
    clock.advance(60_000);
    expect((await call(t, 'POST', '/api/backup/import', { token: admin.token, body: ids })).text).toBe(
      `Invalid backup:\nsites[0] (ID ${good.sites[0].ID}, "${good.sites[0].Name}").Uptop.AlertIDs: must be a list [...]`,
    );
    expect(await snapshot(t)).toEqual(before);
  });

  it('refuses an Uptime Kuma export with 400 naming the import that takes it, and changes nothing', async ({ app: t, admin }) => {
    const before = await snapshot(t);
    const kuma = await call(t, 'POST', '/api/backup/import', { token: admin.token, body: readFixture('kuma-1.23.json') });
    expect(kuma.status).toBe(400);
    expect(kuma.text).toBe(
      'Invalid backup:\nbackup: is an Uptime Kuma export, not a backup: import it with `uptop import --kuma <file>` or POST /api/import/kuma; nothing was changed',
    );
    expect(await snapshot(t)).toEqual(before);
  });
});
