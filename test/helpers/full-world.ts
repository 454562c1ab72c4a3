import type { TestApp } from './app.ts';

/**
 * Every kind of object uptop stores, each field set away from its default, made through the services: a group with
 * children, a monitor of every type, a channel of every provider with every setting, windows of every kind. For the
 * round trips (backup, config as code, migrate-db), which must carry all of it.
 */
export async function seedFullWorld(t: TestApp) {
  const { sites, alertChannels, maintenance } = t.app.deps.services;
  const channel = (name: string, provider: Parameters<typeof alertChannels.create>[0]['provider'], settings: Record<string, string>) =>
    alertChannels.create({ name, provider, settings });
  const channels = [
    await channel('discord', 'DISCORD', { url: 'https://discord.example.com/api/webhooks/1/discord-secret' }),
    await channel('slack', 'SLACK', { url: 'https://hooks.slack.example.com/services/T0/B0/slack-secret' }),
    await channel('webhook', 'WEBHOOK', { url: 'https://hooks.example.com/x', secret: 'hmac-secret' }),
    await channel('email', 'EMAIL', {
      host: 'smtp.example.com',
      port: '2525',
      user: 'mailer',
      pass: 'smtp-secret',
      from: 'uptop@example.com',
      to: 'ops@example.com',
      tls_insecure: 'true',
    }),
    await channel('ntfy', 'NTFY', { url: 'https://ntfy.example.com', topic: 'ops', priority: 'high', username: 'u', password: 'ntfy-secret' }),
    await channel('telegram', 'TELEGRAM', { token: '123456:telegram-secret-token', chat_id: '-100200' }),
    await channel('pagerduty', 'PAGERDUTY', { routing_key: 'pd-secret', severity: 'warning' }),
    await channel('pushover', 'PUSHOVER', { token: 'po-token-secret', user: 'po-user-secret' }),
    await channel('gotify', 'GOTIFY', { url: 'https://gotify.example.com', token: 'gotify-secret', priority: '8' }),
    await channel('opsgenie', 'OPSGENIE', { api_key: 'og-secret', priority: 'P2', eu: 'true' }),
    await channel('teams', 'TEAMS', { url: 'https://teams.example.com/webhook/teams-secret' }),
    await channel('matrix', 'MATRIX', { homeserver: 'https://matrix.example.com', access_token: 'mx-secret', room_id: '!room:example.com' }),
  ];
  const [discord, slack, webhook, email, ntfy, telegram, pagerduty] = channels.map((c) => c.id) as [number, number, number, number, number, number, number];

  const group = await sites.create({
    name: 'Production',
    type: 'GROUP',
    description: 'the production fleet',
    public: false,
    regions: 'eu',
    renotifyMinutes: 120,
    alertChannelIds: [discord, slack],
  });
  const shared = { interval: 45, timeout: 17, maxRetries: 3, description: 'checked often', regions: 'eu-west,us-east', public: false, paused: false };
  const http = await sites.create({
    ...shared,
    name: 'API',
    type: 'HTTP',
    url: 'https://127.0.0.1:8443/health?x=1',
    parentId: group.id,
    method: 'POST',
    httpHeaders: { 'X-Api-Key': 'header-secret', 'X-Count': 5, 'X-Debug': true },
    httpBody: '{"ping":true}',
    authType: 'BASIC',
    authUsername: 'probe',
    authSecret: 'basic-secret',
    acceptedCodes: '200-299,301',
    keyword: '"status":"ok"',
    keywordInvert: true,
    maxRedirects: 3,
    ignoreTls: true,
    checkSsl: true,
    expiryThreshold: 21,
    renotifyMinutes: 30,
    alertChannelIds: [webhook, email, ntfy],
  });
  const bearer = await sites.create({
    name: 'Bearer API',
    type: 'HTTP',
    url: 'http://127.0.0.1:8080/',
    method: 'HEAD',
    authType: 'BEARER',
    authSecret: 'bearer-secret',
    checkSsl: true,
    expiryThreshold: 0,
    maxRedirects: 0,
    paused: true,
    alertChannelIds: [telegram],
  });
  const port = await sites.create({ ...shared, name: 'Database', type: 'PORT', hostname: '127.0.0.1', port: 5432, parentId: group.id });
  const ping = await sites.create({ ...shared, name: 'Gateway', type: 'PING', hostname: '127.0.0.2', paused: true });
  const dns = await sites.create({
    ...shared,
    name: 'Resolver',
    type: 'DNS',
    hostname: 'www.example.test',
    dnsResolveType: 'AAAA',
    dnsServer: '127.0.0.1:5353',
    alertChannelIds: [pagerduty],
  });
  const push = await sites.create({ name: 'Nightly backup', type: 'PUSH', interval: 86_400, maxRetries: 2, description: 'cron', parentId: group.id });

  const windows = [
    await maintenance.create(
      { title: 'Sunday patching', description: 'kernel updates', recurrence: '0 3 * * 0', durationMinutes: 90, timezone: 'Europe/Berlin', siteId: group.id },
      'admin',
    ),
    await maintenance.create(
      {
        title: 'Database migration',
        type: 'INCIDENT',
        siteId: port.id,
        startsAt: new Date('2030-12-05T22:00:00.000Z'),
        endsAt: new Date('2030-12-06T02:00:00.000Z'),
      },
      'editor',
    ),
    await maintenance.create({ title: 'Freeze', description: 'everything', startsAt: new Date('2030-01-01T00:00:00.000Z') }, 'admin'),
    await maintenance.create(
      {
        title: 'Month end',
        type: 'INCIDENT',
        recurrence: '30 23 L * *',
        durationMinutes: 45,
        timezone: 'America/New_York',
        startsAt: new Date('2030-01-01T00:00:00.000Z'),
        endsAt: new Date('2031-01-01T00:00:00.000Z'),
        siteId: http.id,
      },
      'admin',
    ),
  ];
  return { channels, group, http, bearer, port, ping, dns, push, windows };
}
