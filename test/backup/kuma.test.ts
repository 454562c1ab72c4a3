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
        'Changed notification "Slack" (id 7): posts to its webhook\'s own channel, not to #ops (uptop sends no channel override)',
        'Changed monitor "Backup job" (id 4): retries at its interval, every 3600 s (every 60 s in Kuma)',
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
        'Imported 6 monitors, 9 alerts from Kuma v2.0.2',
        'Skipped notification "Bad opsgenie" (id 20): api_key is required',
        'Skipped monitor "Browser check" (id 26): type "real-browser" is not supported by uptop',
        'Skipped monitor "SNMP switch" (id 27): type "snmp" is not supported by uptop',
        'Skipped monitor "NTLM intranet" (id 29): authentication method "ntlm" is not supported by uptop',
        'Changed notification "Webhook" (id 17): posts uptop\'s JSON payload, not Kuma\'s {heartbeat, monitor, msg}',
        'Changed monitor "Inner group" (id 23): imported at the top level (uptop groups cannot nest)',
        'Changed monitor "App" (id 22): follows at most 10 redirects (25 in Kuma)',
        'Changed monitor "App" (id 22): retries at its interval, every 45 s (every 60 s in Kuma)',
        'Changed monitor "Resolver" (id 25): imported without its conditions (uptop has none)',
      ].join('\n'),
    );

    const { ids, site, links, channels, settingsOf } = await stored(t);
    expect(channels.map((c) => [c.id, c.provider, settingsOf(c)])).toEqual([
      [11, 'PAGERDUTY', { routing_key: 'kuma-pd-secret', severity: 'critical' }],
      [12, 'PUSHOVER', { token: 'kuma-po-app', user: 'kuma-po-user', priority: '0' }],
      [13, 'GOTIFY', { url: 'https://gotify.example.com', token: 'kuma-gotify-secret', priority: '8' }],
      [14, 'OPSGENIE', { api_key: 'kuma-genie-secret', priority: 'P2', eu: 'true' }],
      [15, 'TEAMS', { url: 'https://example.webhook.office.com/webhookb2/kuma-teams-secret' }],
      [16, 'MATRIX', { homeserver: 'https://matrix.example.org', access_token: 'kuma-matrix-secret', room_id: '!kumaroom:example.org' }],
      [17, 'WEBHOOK', { url: 'https://hooks.example.com/kuma' }],
      // An access token is the password of basic auth with an empty user name, as ntfy reads it. Kuma sends a DOWN
      // alert one priority above the channel's, unless a "priority for down" is set.
      [18, 'NTFY', { url: 'https://ntfy.sh', topic: 't', priority: '3', down_priority: '4', password: 'tk_secret' }],
      // Kuma never reads a notification's `active`: it has no way to disable one, and sends through this one.
      [19, 'TELEGRAM', { token: '1:x', chat_id: '1' }],
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
    expect(links(22)).toEqual([12, 13, 18]);
    expect(site(23)).toMatchObject({ type: 'GROUP', parentId: null });
    expect(site(24)).toMatchObject({ type: 'PUSH', pushToken: 'kuma_Push-Token.2~x', paused: true, parentId: 21 });
    expect(links(24)).toEqual([14]);
    expect(site(25)).toMatchObject({ type: 'DNS', hostname: 'example.org', dnsResolveType: 'AAAA', dnsServer: '2606:4700:4700::1111' });
    expect(links(25)).toEqual([15, 16, 17]);
    // Kuma's maxredirects 0 judges the redirect itself; so does uptop's.
    expect(site(28)).toMatchObject({ type: 'HTTP', keyword: 'error', keywordInvert: true, paused: false, maxRedirects: 0 });
    expect(links(28)).toEqual([19]);
  });

  // test/fixtures/kuma-2.5.json: each monitor in the key order and with the defaults of Kuma 2.5.3's Monitor.toJSON
  // (server/model/monitor.js) and EditMonitor.vue's monitorDefaults; each notification as server/client.js
  // sendNotificationList exports it, its config as the dialogs in src/components/notifications save it.
  it('imports a Kuma 2.5 export: what each monitor sends, the timing uptop cannot keep, the notifications as Kuma sends them', async ({ app: t, admin }) => {
    const res = await call(t, 'POST', '/api/import/kuma', { token: admin.token, body: readFixture('kuma-2.5.json') });
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      [
        'Imported 11 monitors, 9 alerts from Kuma v2.5.3',
        'Skipped notification "Mail SMTPS" (id 32): implicit TLS (Kuma\'s "Secure") on port 2465, which uptop uses on port 465 only',
        'Skipped notification "Discord forum" (id 35): posts each alert as a new forum post, which uptop\'s Discord provider cannot do',
        'Skipped monitor "Broken body" (id 40): its body is not valid JSON, so Kuma sent no request and marked every check DOWN',
        'Changed notification "Mail on-call" (id 31): e-mails oncall@example.com only, not its CC and BCC (lead@example.com, audit@example.com): uptop sends to one address',
        'Changed notification "Telegram topic" (id 33): posts to the chat, not to its topic (message thread 42): uptop\'s Telegram has no topics',
        'Changed notification "Telegram topic" (id 33): sends through uptop\'s Bot API server (UPTOP_TELEGRAM_API_URL), not https://tg-proxy.example.com',
        'Changed notification "Webhook" (id 36): posts uptop\'s JSON payload, not Kuma\'s {heartbeat, monitor, msg}, and without its headers (Authorization)',
        'Changed notification "Slack" (id 37): posts to its webhook\'s own channel, not to #ops-alerts (uptop sends no channel override)',
        'Changed notification "PagerDuty" (id 38): resolves the incident when the monitor recovers (Kuma left it open)',
        'Changed notification "Pushover" (id 39): sends to all of the user\'s devices, not only "phone"',
        'Changed monitor "Checkout" (id 35): retries at its interval, every 300 s (every 20 s in Kuma)',
        'Changed monitor "Nightly report" (id 36): times out after 300 s (2880 s in Kuma)',
        'Changed monitor "Edge cache" (id 37): checks every 5 s (every 2 s in Kuma)',
        'Changed monitor "Tagged" (id 38): imported without its tags (uptop has none): region: eu-west, prod',
        'Changed monitor "Chatty" (id 39): re-notifies every 1 min while down (every 20 s in Kuma)',
      ].join('\n'),
    );

    const { ids, site, links, channels, settingsOf } = await stored(t);
    expect(ids).toEqual([31, 32, 33, 34, 35, 36, 37, 38, 39, 41, 42]);
    expect(site(31)).toMatchObject({ authType: 'BEARER', authUsername: null, httpHeaders: null });
    expect(t.app.deps.secretBox.open(site(31).authSecret!)).toBe('kuma-bearer-secret');
    expect(links(31)).toEqual([31, 34]);
    // Kuma sends each body encoding's Content-Type unless the monitor's headers name one.
    expect(site(32)).toMatchObject({
      method: 'POST',
      httpHeaders: JSON.stringify({ SOAPAction: 'urn:Ping', 'Content-Type': 'text/xml; charset=utf-8' }),
      httpBody: readFixture('kuma-2.5.json').monitorList[1].body,
    });
    expect(site(33)).toMatchObject({ httpHeaders: JSON.stringify({ 'Content-Type': 'application/x-www-form-urlencoded' }), httpBody: 'user=kuma&remember=1' });
    expect(site(41)).toMatchObject({ httpHeaders: JSON.stringify({ 'content-type': 'application/soap+xml; charset=utf-8' }) });
    expect(site(42)).toMatchObject({ httpHeaders: JSON.stringify({ 'Content-Type': 'application/json' }), httpBody: '{\n    "probe": true\n}' });
    // Authentication set to "None" in Kuma keeps the old credentials, unused.
    expect(site(34)).toMatchObject({ authType: 'NONE', authUsername: null, authSecret: null });
    expect(site(35)).toMatchObject({ interval: 300, timeout: 240, maxRetries: 3 });
    expect(site(36)).toMatchObject({ interval: 3600, timeout: 300 });
    expect(site(37)).toMatchObject({ type: 'PORT', interval: 5, timeout: 2 });
    expect(site(39)).toMatchObject({ interval: 20, renotifyMinutes: 1 });

    expect(channels.map((c) => [c.id, c.provider, settingsOf(c)])).toEqual([
      [31, 'EMAIL', { host: 'smtp.example.com', port: '587', user: 'kuma', pass: 'kuma-mail-secret', from: 'kuma@example.com', to: 'oncall@example.com' }],
      [33, 'TELEGRAM', { token: '123456:kuma-telegram-secret', chat_id: '-1001234567' }],
      // Kuma posts into the thread with the webhook's `thread_id` parameter; so does the URL.
      [34, 'DISCORD', { url: 'https://discord.com/api/webhooks/111/kuma-discord-secret?thread_id=1234567890' }],
      [36, 'WEBHOOK', { url: 'https://hooks.example.com/kuma' }],
      [37, 'SLACK', { url: 'https://hooks.slack.com/services/T0/B0/kuma-slack-secret' }],
      // Kuma's severity when none is chosen is warning (uptop's own default is critical).
      [38, 'PAGERDUTY', { routing_key: 'kuma-pd-secret', severity: 'warning' }],
      [39, 'PUSHOVER', { token: 'kuma-po-app', user: 'kuma-po-user', priority: '2' }],
      // Kuma's priority when none is set is 8 (uptop's own default is 5).
      [40, 'GOTIFY', { url: 'https://gotify.example.com', token: 'kuma-gotify-secret', priority: '8' }],
      [41, 'NTFY', { url: 'https://ntfy.sh', topic: 'kuma-alerts', priority: '3', down_priority: '4' }],
    ]);
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
