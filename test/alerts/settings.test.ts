import { describe, expect, it } from 'vitest';
import type { AlertProvider } from '../../src/generated/prisma/client.ts';
import { validateAlertSettings } from '../../src/alerts/settings.ts';

function issues(provider: AlertProvider, input: unknown) {
  const result = validateAlertSettings(provider, input);
  if (result.ok) throw new Error(`expected issues, got ${JSON.stringify(result.settings)}`);
  return result.issues;
}

describe('valid settings', () => {
  it.each<[AlertProvider, Record<string, unknown>, Record<string, string>]>([
    ['DISCORD', { url: ' https://discord.com/api/webhooks/1/x ' }, { url: 'https://discord.com/api/webhooks/1/x' }],
    ['SLACK', { url: 'http://hooks.local/x' }, { url: 'http://hooks.local/x' }],
    ['TEAMS', { url: 'https://x.webhook.office.com/y' }, { url: 'https://x.webhook.office.com/y' }],
    ['WEBHOOK', { url: 'https://e.com/h', secret: ' keep spaces ' }, { url: 'https://e.com/h', secret: ' keep spaces ' }],
    [
      'EMAIL',
      { host: 'smtp.example.com', port: 587, user: 'bob', pass: 'pw', from: 'uptop@example.com', to: 'ops@localhost', tls_insecure: true },
      { host: 'smtp.example.com', port: '587', user: 'bob', pass: 'pw', from: 'uptop@example.com', to: 'ops@localhost', tls_insecure: 'true' },
    ],
    ['NTFY', { url: 'https://ntfy.sh', topic: 'up-top_1', priority: 'high', username: '', password: '' }, { url: 'https://ntfy.sh', topic: 'up-top_1', priority: 'high' }],
    ['TELEGRAM', { token: '123:ABC-def', chat_id: -1001234 }, { token: '123:ABC-def', chat_id: '-1001234' }],
    ['TELEGRAM', { token: '123:ABC', chat_id: '@mychannel' }, { token: '123:ABC', chat_id: '@mychannel' }],
    ['PAGERDUTY', { routing_key: 'abc', severity: 'warning' }, { routing_key: 'abc', severity: 'warning' }],
    ['PUSHOVER', { token: 't', user: 'u' }, { token: 't', user: 'u' }],
    ['GOTIFY', { url: 'https://g.example', token: 't', priority: '0' }, { url: 'https://g.example', token: 't', priority: '0' }],
    ['OPSGENIE', { api_key: 'k', priority: 'P5', eu: 'false' }, { api_key: 'k', priority: 'P5', eu: 'false' }],
    [
      'MATRIX',
      { homeserver: 'https://matrix.org', access_token: 'syt_x', room_id: '!abc:matrix.org' },
      { homeserver: 'https://matrix.org', access_token: 'syt_x', room_id: '!abc:matrix.org' },
    ],
  ])('%s %j is accepted and normalized', (provider, input, expected) => {
    expect(validateAlertSettings(provider, input)).toEqual({ ok: true, settings: expected });
  });
});

describe('invalid settings name the field', () => {
  it.each<[AlertProvider, unknown, { field: string; message: string }[]]>([
    ['DISCORD', {}, [{ field: 'settings.url', message: 'is required' }]],
    ['DISCORD', { url: '   ' }, [{ field: 'settings.url', message: 'is required' }]],
    ['SLACK', { url: '/relative/path' }, [{ field: 'settings.url', message: 'must be an absolute http(s) URL' }]],
    ['WEBHOOK', { url: 'ftp://e.com/x' }, [{ field: 'settings.url', message: 'must be an absolute http(s) URL' }]],
    ['WEBHOOK', { url: 'https://e.com', secret: { nested: 1 } }, [{ field: 'settings.secret', message: 'expected a string' }]],
    ['TEAMS', { url: 'https://e.com', colour: 'red' }, [{ field: 'settings.colour', message: 'is not a TEAMS setting' }]],
    [
      'EMAIL',
      { host: 'smtp.example.com', port: '70000', from: 'a@b.c', to: 'x@y.z, evil@y.z' },
      [
        { field: 'settings.port', message: 'must be a whole number from 1 to 65535' },
        { field: 'settings.to', message: 'must be a single e-mail address such as alerts@example.com' },
      ],
    ],
    [
      'EMAIL',
      { port: '25', from: 'a@b.c', to: 'x@y.z', tls_insecure: 'yes' },
      [
        { field: 'settings.host', message: 'is required' },
        { field: 'settings.tls_insecure', message: 'must be one of true, false' },
      ],
    ],
    ['NTFY', { url: 'https://ntfy.sh', topic: 'a/b' }, [{ field: 'settings.topic', message: 'must be 1 to 64 letters, digits, "-" or "_"' }]],
    ['NTFY', { url: 'https://ntfy.sh', topic: 't', priority: '6' }, [{ field: 'settings.priority', message: 'must be one of 1, 2, 3, 4, 5, min, low, default, high, max, urgent' }]],
    ['NTFY', { url: 'https://ntfy.sh', topic: 't', username: 'alice' }, [{ field: 'settings.password', message: 'is required when the other credential is set' }]],
    ['TELEGRAM', { token: '123:abc/../x', chat_id: '1' }, [{ field: 'settings.token', message: 'must not contain spaces, "/", "?" or "#"' }]],
    ['TELEGRAM', { token: '123:abc', chat_id: 'me' }, [{ field: 'settings.chat_id', message: 'must be a numeric chat id or an @channel name' }]],
    ['PAGERDUTY', { routing_key: 'k', severity: 'fatal' }, [{ field: 'settings.severity', message: 'must be one of critical, error, warning, info' }]],
    ['PUSHOVER', { token: 't' }, [{ field: 'settings.user', message: 'is required' }]],
    ['GOTIFY', { url: 'https://g', token: 't', priority: '11' }, [{ field: 'settings.priority', message: 'must be a whole number from 0 to 10' }]],
    ['GOTIFY', { url: 'https://g', token: 't', priority: '-1' }, [{ field: 'settings.priority', message: 'must be a whole number from 0 to 10' }]],
    ['OPSGENIE', { api_key: 'k', priority: 'P0' }, [{ field: 'settings.priority', message: 'must be one of P1, P2, P3, P4, P5' }]],
    ['OPSGENIE', { api_key: 'k', eu: 'TRUE' }, [{ field: 'settings.eu', message: 'must be one of true, false' }]],
    [
      'MATRIX',
      { homeserver: 'matrix.org', access_token: 't', room_id: '#alias:matrix.org' },
      [
        { field: 'settings.homeserver', message: 'must be an absolute http(s) URL' },
        { field: 'settings.room_id', message: 'must be a room id such as !abc123:example.org' },
      ],
    ],
  ])('%s %j', (provider, input, expected) => {
    expect(issues(provider, input)).toEqual(expected);
  });

  it.each([null, 'url=x', ['https://x'], 42])('rejects %j as a whole', (input) => {
    expect(issues('DISCORD', input)).toEqual([{ field: 'settings', message: 'must be an object of provider settings' }]);
  });

  it('lists each unknown key separately', () => {
    expect(issues('PUSHOVER', { token: 't', user: 'u', sound: 'x', device: 'y' })).toEqual([
      { field: 'settings.sound', message: 'is not a PUSHOVER setting' },
      { field: 'settings.device', message: 'is not a PUSHOVER setting' },
    ]);
  });
});
