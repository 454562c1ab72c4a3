import { describe, expect, it } from 'vitest';
import type { AlertProvider } from '../../src/generated/prisma/client.ts';
import { REDACTED, redactSettings, scrubSecrets, secretValues } from '../../src/alerts/redact.ts';

const R = REDACTED;

/** provider, stored settings, what may be shown. */
const TABLE: [AlertProvider | string, Record<string, string>, Record<string, string>][] = [
  ['DISCORD', { url: 'https://discord.com/api/webhooks/1/tok' }, { url: R }],
  ['SLACK', { url: 'https://hooks.slack.com/x' }, { url: R }],
  ['WEBHOOK', { url: 'https://example.com/h', secret: 's' }, { url: R, secret: R }],
  [
    'EMAIL',
    { host: 'smtp.example.com', port: '587', user: 'bob', pass: 'pw', from: 'a@x.io', to: 'b@x.io', tls_insecure: 'false' },
    { host: 'smtp.example.com', port: '587', user: R, pass: R, from: 'a@x.io', to: 'b@x.io', tls_insecure: 'false' },
  ],
  [
    'NTFY',
    { url: 'https://ntfy.sh', topic: 'ops', priority: '4', username: 'u', password: 'p' },
    { url: R, topic: 'ops', priority: '4', username: R, password: R },
  ],
  ['TELEGRAM', { token: '1:abc', chat_id: '-100' }, { token: R, chat_id: '-100' }],
  ['PAGERDUTY', { routing_key: 'rk', severity: 'error' }, { routing_key: R, severity: 'error' }],
  ['PUSHOVER', { token: 't', user: 'u' }, { token: R, user: R }],
  ['GOTIFY', { url: 'https://g.example', token: 't', priority: '5' }, { url: R, token: R, priority: '5' }],
  ['OPSGENIE', { api_key: 'k', priority: 'P1', eu: 'true' }, { api_key: R, priority: 'P1', eu: 'true' }],
  ['TEAMS', { url: 'https://x.webhook.office.com/y' }, { url: R }],
  [
    'MATRIX',
    { homeserver: 'https://matrix.org', access_token: 'syt', room_id: '!r:matrix.org' },
    { homeserver: 'https://matrix.org', access_token: R, room_id: '!r:matrix.org' },
  ],
  ['SOMETHING_NEW', { host: 'h', priority: '1' }, { host: R, priority: R }],
];

describe('redactSettings', () => {
  it.each(TABLE)('%s shows only its allow-listed keys', (provider, settings, expected) => {
    expect(redactSettings(provider, settings)).toEqual(expected);
  });

  it('leaves empty values empty and does not touch the input', () => {
    const settings = { url: '', secret: 'x' };
    expect(redactSettings('WEBHOOK', settings)).toEqual({ url: '', secret: R });
    expect(settings).toEqual({ url: '', secret: 'x' });
  });

  it('redacts a key that is allow-listed for another provider', () => {
    expect(redactSettings('DISCORD', { topic: 't', url: 'u' })).toEqual({ topic: R, url: R });
  });
});

describe('secretValues and scrubSecrets', () => {
  it('collects the non-empty secret values, longest first', () => {
    expect(secretValues('NTFY', { url: 'https://n.example/p', topic: 'ops', username: 'alice', password: '' })).toEqual([
      'https://n.example/p',
      'alice',
    ]);
  });

  it('cuts every occurrence out, whole secrets before their parts', () => {
    const secrets = secretValues('TELEGRAM', { token: '123:ABCdef', chat_id: '42' });
    expect(scrubSecrets('POST /bot123:ABCdef/sendMessage failed (123:ABCdef)', secrets)).toBe('POST /bot***/sendMessage failed (***)');
    expect(scrubSecrets('a webhook at https://h.example/T0K failed', ['https://h.example/T0K', 'T0K-other'])).toBe(
      'a webhook at *** failed',
    );
  });

  it('leaves values under four characters alone rather than shredding the message', () => {
    expect(scrubSecrets('Invalid user u', ['u'])).toBe('Invalid user u');
  });
});
