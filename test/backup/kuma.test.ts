import { describe, expect, it } from '../helpers/fixtures.ts';
import { call, readFixture, snapshot, stored, stubChecks } from './helpers.ts';

describe('POST /api/import/kuma', () => {
  it.override({ appOptions: { runCheck: stubChecks([]) } });

  it('imports a Kuma 1.23 backup: monitors, groups, push token, keyword, dns, notifications; says what it skipped', async ({ app: t, admin }) => {
    const res = await call(t, 'POST', '/api/import/kuma', { token: admin.token, body: readFixture('kuma-1.23.json') });
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      [
        'Imported 7 monitors, 5 alerts from Kuma v1.23.16',
        'Skipped notification "Broken" (id 5): its config is not valid JSON',
        'Skipped notification "Signal" (id 6): type "signal" has no uptop provider',
        'Skipped monitor "Container" (id 8): type "docker" is not supported by uptop',
        'Skipped monitor "Inverted" (id 9): upside-down mode is not supported by uptop',
      ].join('\n'),
    );

    const { ids, site, links, channels, settingsOf } = await stored(t);
    expect(channels.map((c) => [c.id, c.name, c.provider, settingsOf(c)])).toEqual([
      [1, 'Discord ops', 'DISCORD', { url: 'https://discord.com/api/webhooks/111/kuma-discord-secret' }],
      [
        2,
        'Mail ops',
        'EMAIL',
        {
          host: 'smtp.example.com',
          port: '587',
          user: 'kuma',
          pass: 'kuma-mail-secret',
          from: 'kuma@example.com',
          to: 'ops@example.com',
          tls_insecure: 'true',
        },
      ],
      [3, 'ntfy phone', 'NTFY', { url: 'https://ntfy.sh', topic: 'kuma-alerts', priority: '5', username: 'kuma', password: 'kuma-ntfy-secret' }],
      [4, 'Telegram', 'TELEGRAM', { token: '123456:kuma-telegram-secret', chat_id: '-1001234567' }],
      [7, 'Slack', 'SLACK', { url: 'https://hooks.slack.com/services/T0/B0/kuma-slack-secret' }],
    ]);

    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(site(1)).toMatchObject({ name: 'Web stack', type: 'GROUP', parentId: null, paused: false });
    expect(links(1)).toEqual([1]);
    expect(site(2)).toMatchObject({
      name: 'Homepage',
      type: 'HTTP',
      url: 'https://www.example.com/',
      method: 'GET',
      parentId: 1,
      maxRetries: 2,
      timeout: 30,
      interval: 60,
      checkSsl: true,
      acceptedCodes: '200-299,301',
      httpHeaders: JSON.stringify({ 'X-Env': 'prod' }),
      authType: 'BASIC',
      authUsername: 'kuma',
      description: 'marketing site',
      keyword: null,
    });
    expect(t.app.deps.secretBox.open(site(2).authSecret!)).toBe('kuma-basic-secret');
    // The broken notification 5 is not linked.
    expect(links(2)).toEqual([1, 2]);
    expect(site(3)).toMatchObject({
      type: 'HTTP',
      keyword: 'All systems operational',
      keywordInvert: false,
      paused: true,
      interval: 30,
      timeout: 24,
      ignoreTls: true,
      renotifyMinutes: 5,
      parentId: 1,
    });
    expect(site(4)).toMatchObject({ name: 'Backup job', type: 'PUSH', pushToken: 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6', interval: 3600, maxRetries: 1 });
    expect(links(4)).toEqual([4]);
    expect(site(5)).toMatchObject({ type: 'DNS', hostname: 'example.com', dnsResolveType: 'MX', dnsServer: '9.9.9.9:5353', interval: 300, timeout: 240 });
    expect(site(6)).toMatchObject({ type: 'PORT', hostname: 'db.internal.example', port: 5432, interval: 120, timeout: 10 });
    expect(site(7)).toMatchObject({ type: 'PING', hostname: '192.168.1.1', interval: 20, timeout: 16 });
    expect(links(7)).toEqual([7]);

    // Cron jobs keep their Kuma push URL.
    const beat = await fetch(`${t.url}/api/push/a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6?status=up&msg=OK&ping=`);
    expect([beat.status, await beat.text()]).toEqual([200, 'OK']);
  });

  it('imports a Kuma 2.0 export: boolean active, conditions, nested groups and its new types', async ({ app: t, admin }) => {
    const res = await call(t, 'POST', '/api/import/kuma', { token: admin.token, body: readFixture('kuma-2.0.json') });
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      [
        'Imported 6 monitors, 7 alerts from Kuma v2.0.2',
        'Skipped notification "ntfy token" (id 18): ntfy access-token authentication is not supported by uptop (username and password are)',
        'Skipped notification "Telegram off" (id 19): disabled in Kuma',
        'Skipped notification "Bad opsgenie" (id 20): api_key is required',
        'Skipped monitor "Browser check" (id 26): type "real-browser" is not supported by uptop',
        'Skipped monitor "SNMP switch" (id 27): type "snmp" is not supported by uptop',
        'Skipped monitor "NTLM intranet" (id 29): authentication method "ntlm" is not supported by uptop',
        'Changed monitor "Inner group" (id 23): imported at the top level (uptop groups cannot nest)',
        'Changed monitor "App" (id 22): follows at most 10 redirects (25 in Kuma)',
        'Changed monitor "Resolver" (id 25): imported without its conditions (uptop has none)',
      ].join('\n'),
    );

    const { ids, site, links, channels, settingsOf } = await stored(t);
    expect(channels.map((c) => [c.id, c.provider, settingsOf(c)])).toEqual([
      [11, 'PAGERDUTY', { routing_key: 'kuma-pd-secret', severity: 'critical' }],
      [12, 'PUSHOVER', { token: 'kuma-po-app', user: 'kuma-po-user' }],
      [13, 'GOTIFY', { url: 'https://gotify.example.com', token: 'kuma-gotify-secret', priority: '8' }],
      [14, 'OPSGENIE', { api_key: 'kuma-genie-secret', priority: 'P2', eu: 'true' }],
      [15, 'TEAMS', { url: 'https://example.webhook.office.com/webhookb2/kuma-teams-secret' }],
      [16, 'MATRIX', { homeserver: 'https://matrix.example.org', access_token: 'kuma-matrix-secret', room_id: '!kumaroom:example.org' }],
      [17, 'WEBHOOK', { url: 'https://hooks.example.com/kuma' }],
    ]);

    expect(ids).toEqual([21, 22, 23, 24, 25, 28]);
    expect(site(21)).toMatchObject({ type: 'GROUP', parentId: null });
    expect(links(21)).toEqual([11]);
    expect(site(22)).toMatchObject({
      type: 'HTTP',
      method: 'HEAD',
      parentId: 21,
      maxRetries: 1,
      interval: 45,
      timeout: 21,
      renotifyMinutes: 3,
      maxRedirects: 10,
    });
    expect(links(22)).toEqual([12, 13]);
    expect(site(23)).toMatchObject({ type: 'GROUP', parentId: null });
    expect(site(24)).toMatchObject({ type: 'PUSH', pushToken: 'kuma_Push-Token.2~x', paused: true, parentId: 21 });
    expect(links(24)).toEqual([14]);
    expect(site(25)).toMatchObject({ type: 'DNS', hostname: 'example.org', dnsResolveType: 'AAAA', dnsServer: '2606:4700:4700::1111' });
    expect(links(25)).toEqual([15, 16, 17]);
    // Kuma's maxredirects 0 judges the redirect itself; so does uptop's.
    expect(site(28)).toMatchObject({ type: 'HTTP', keyword: 'error', keywordInvert: true, paused: false, maxRedirects: 0 });
    expect(links(28)).toEqual([]);
  });

  it('refuses what is not a Kuma backup with 400, changing nothing', async ({ app: t, admin }) => {
    const before = await snapshot(t);
    const notKuma = await call(t, 'POST', '/api/import/kuma', { token: admin.token, body: { monitorList: 'oops' } });
    expect(notKuma.status).toBe(400);
    expect(notKuma.text).toBe(
      'Invalid Kuma backup:\nversion: must be the Kuma version the export states, such as "1.23.16"\nmonitorList: Invalid input: expected array, received string',
    );
    const backup = await call(t, 'POST', '/api/import/kuma', { token: admin.token, body: readFixture('go-backup.json') });
    expect(backup.status).toBe(400);
    expect(backup.text).toBe(
      'Invalid Kuma backup:\nbackup: is an uptop backup, not an Uptime Kuma export: import it with `uptop import <file>` or POST /api/backup/import; nothing was changed',
    );
    const badJson = await call(t, 'POST', '/api/import/kuma', { token: admin.token, body: '{"version": "1.23' });
    expect(badJson.status).toBe(400);
    expect(badJson.text).toMatch(/^Invalid JSON: /);
    expect(await snapshot(t)).toEqual(before);
  });
});
