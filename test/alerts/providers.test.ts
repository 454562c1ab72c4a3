import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AlertProvider } from '../../src/generated/prisma/client.ts';
import { getProvider } from '../../src/alerts/providers/index.ts';
import type { AlertMessage, AlertSettings } from '../../src/alerts/types.ts';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.ts';
import { AT, DOWN, SSL, TEST, UP, sendContext } from './support.ts';

const EVENTS = [DOWN, UP, TEST] as const;

async function sendOne(provider: AlertProvider, settings: (r: Receiver) => AlertSettings, alert: AlertMessage) {
  const receiver = await startReceiver();
  await getProvider(provider).send(settings(receiver), alert, sendContext(receiver));
  expect(receiver.requests).toHaveLength(1);
  return receiver.requests[0] as ReceivedRequest;
}

function expectJsonPost(req: ReceivedRequest, path: string) {
  expect(req.method).toBe('POST');
  expect(req.path).toBe(path);
  expect(req.headers['content-type']).toBe('application/json');
  expect(req.headers['user-agent']).toBe('uptop');
}

describe('getProvider', () => {
  it('has an implementation for every AlertProvider value', async () => {
    const { AlertProvider } = await import('../../src/generated/prisma/client.ts');
    for (const provider of Object.values(AlertProvider)) {
      expect(getProvider(provider).provider).toBe(provider);
    }
  });

  it('refuses a provider name it does not know', () => {
    expect(() => getProvider('CARRIER_PIGEON' as AlertProvider)).toThrow('unknown alert provider "CARRIER_PIGEON"');
  });
});

describe.each(EVENTS)('a $event alert', (alert) => {
  it('DISCORD posts {content} with a bold title', async () => {
    const req = await sendOne('DISCORD', (r) => ({ url: `${r.url}/api/webhooks/1/secret-token` }), alert);
    expectJsonPost(req, '/api/webhooks/1/secret-token');
    expect(req.json()).toEqual({ content: `**${alert.title}**\n${alert.message}` });
  });

  it('SLACK posts {text} with a bold title', async () => {
    const req = await sendOne('SLACK', (r) => ({ url: `${r.url}/services/T0/B0/xyz` }), alert);
    expectJsonPost(req, '/services/T0/B0/xyz');
    expect(req.json()).toEqual({ text: `*${alert.title}*\n${alert.message}` });
  });

  it('WEBHOOK posts the event, the site and an ISO timestamp', async () => {
    const req = await sendOne('WEBHOOK', (r) => ({ url: `${r.url}/hook?x=1` }), alert);
    expectJsonPost(req, '/hook');
    expect(req.query).toEqual({ x: '1' });
    expect(req.headers['x-uptop-signature']).toBeUndefined();
    expect(req.json()).toEqual({
      event: alert.event,
      title: alert.title,
      message: alert.message,
      site: alert.site,
      timestamp: alert.timestamp.toISOString(),
    });
  });

  it('TELEGRAM posts HTML with a bold title to /bot<token>/sendMessage', async () => {
    const req = await sendOne('TELEGRAM', () => ({ token: '123456:ABC-def_ghi', chat_id: '-100200' }), alert);
    expectJsonPost(req, '/bot123456:ABC-def_ghi/sendMessage');
    expect(req.json()).toEqual({ chat_id: '-100200', text: `<b>${alert.title}</b>\n${alert.message}`, parse_mode: 'HTML' });
  });

  it('PUSHOVER posts token, user, title and message', async () => {
    const req = await sendOne('PUSHOVER', () => ({ token: 'app-token', user: 'user-key' }), alert);
    expectJsonPost(req, '/1/messages.json');
    expect(req.json()).toEqual({ token: 'app-token', user: 'user-key', title: alert.title, message: alert.message });
  });

  it('GOTIFY posts to <url>/message with the key header and a numeric priority', async () => {
    const req = await sendOne('GOTIFY', (r) => ({ url: `${r.url}/gotify/`, token: 'gotify-app-token', priority: '8' }), alert);
    expectJsonPost(req, '/gotify/message');
    expect(req.headers['x-gotify-key']).toBe('gotify-app-token');
    expect(req.json()).toEqual({ title: alert.title, message: alert.message, priority: 8 });
  });

  it('OPSGENIE posts to the US endpoint with a GenieKey', async () => {
    const req = await sendOne('OPSGENIE', () => ({ api_key: 'genie-key', priority: 'P2', eu: 'false' }), alert);
    expectJsonPost(req, '/us/v2/alerts');
    expect(req.headers.authorization).toBe('GenieKey genie-key');
    expect(req.json()).toEqual({ message: alert.title, description: alert.message, source: 'uptop', priority: 'P2' });
  });

  it('TEAMS posts a MessageCard', async () => {
    const req = await sendOne('TEAMS', (r) => ({ url: `${r.url}/webhookb2/abc/IncomingWebhook/def` }), alert);
    expectJsonPost(req, '/webhookb2/abc/IncomingWebhook/def');
    const themeColor = { down: 'D13438', up: '2EB886', test: '0078D7' }[alert.event as 'down' | 'up' | 'test'];
    expect(req.json()).toEqual({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      summary: alert.title,
      themeColor,
      title: alert.title,
      text: alert.message,
    });
  });

  it('MATRIX PUTs an m.text event into the room with a bearer token', async () => {
    const req = await sendOne(
      'MATRIX',
      (r) => ({ homeserver: `${r.url}/`, access_token: 'syt_secret', room_id: '!room42:example.org' }),
      alert,
    );
    expect(req.method).toBe('PUT');
    expect(req.path).toMatch(/^\/_matrix\/client\/v3\/rooms\/!room42%3Aexample\.org\/send\/m\.room\.message\/uptop-[0-9a-f-]{36}$/);
    expect(req.headers.authorization).toBe('Bearer syt_secret');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.json()).toEqual({ msgtype: 'm.text', body: `${alert.title}\n${alert.message}` });
  });

  it('NTFY posts the message as text with Title and Priority headers', async () => {
    const req = await sendOne('NTFY', (r) => ({ url: `${r.url}/ntfy/`, topic: 'uptop-alerts' }), alert);
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/ntfy/uptop-alerts');
    expect(req.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(decodeRfc2047(req.headers.title as string)).toBe(alert.title);
    expect(req.headers.priority).toBe('3');
    expect(req.headers.authorization).toBeUndefined();
    expect(req.text()).toBe(alert.message);
  });
});

describe('WEBHOOK signature', () => {
  it('signs the exact body bytes with HMAC-SHA256 when a secret is set', async () => {
    const secret = 'whsec-0123456789';
    const req = await sendOne('WEBHOOK', (r) => ({ url: `${r.url}/hook`, secret }), SSL);
    const expected = `sha256=${createHmac('sha256', secret).update(req.body).digest('hex')}`;
    expect(req.headers['x-uptop-signature']).toBe(expected);
    expect(req.json()).toMatchObject({ event: 'ssl_expiring', site: { id: 7, name: 'api', status: 'UP' } });
  });

  it('sends site null and event test for a test alert', async () => {
    const req = await sendOne('WEBHOOK', (r) => ({ url: `${r.url}/hook` }), TEST);
    expect(req.json()).toEqual({
      event: 'test',
      title: TEST.title,
      message: TEST.message,
      site: null,
      timestamp: '2025-03-01T12:34:56.789Z',
    });
  });
});

describe('PAGERDUTY', () => {
  const settings = { routing_key: 'R0UT1NGKEY', severity: 'error' };

  it('triggers on down and resolves on up with the same dedup_key', async () => {
    const receiver = await startReceiver();
    const pagerduty = getProvider('PAGERDUTY');
    await pagerduty.send(settings, DOWN, sendContext(receiver));
    await pagerduty.send(settings, UP, sendContext(receiver));
    const [trigger, resolve] = receiver.requests as [ReceivedRequest, ReceivedRequest];
    expectJsonPost(trigger, '/v2/enqueue');
    expect(trigger.json()).toEqual({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      dedup_key: 'uptop-site-7',
      payload: { summary: `${DOWN.title}: ${DOWN.message}`, source: 'uptop', severity: 'error' },
    });
    expectJsonPost(resolve, '/v2/enqueue');
    expect(resolve.json()).toEqual({ routing_key: 'R0UT1NGKEY', event_action: 'resolve', dedup_key: 'uptop-site-7' });
  });

  it('triggers the SSL warning as its own incident, severity critical by default', async () => {
    const req = await sendOne('PAGERDUTY', () => ({ routing_key: 'R0UT1NGKEY' }), SSL);
    expect(req.json()).toEqual({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      dedup_key: 'uptop-site-7-ssl',
      payload: { summary: `${SSL.title}: ${SSL.message}`, source: 'uptop', severity: 'critical' },
    });
  });

  it('triggers a test alert under a key of its own', async () => {
    const req = await sendOne('PAGERDUTY', () => settings, TEST);
    expect(req.json()).toMatchObject({ event_action: 'trigger', dedup_key: `uptop-test-${AT.getTime()}` });
  });
});

describe('TELEGRAM', () => {
  it('escapes what HTML parsing would take as markup, so names with Markdown characters arrive intact', async () => {
    const name = 'db_main *prod* [eu] `x`';
    const reason = 'HTTP 503 <html> & "co"';
    const alert = { ...DOWN, title: `🚨 ALERT <${name}>`, message: `Monitor '${name}' is DOWN: ${reason}` };
    const req = await sendOne('TELEGRAM', () => ({ token: '1:t', chat_id: '42' }), alert);
    expect(req.json()).toEqual({
      chat_id: '42',
      text: "<b>🚨 ALERT &lt;db_main *prod* [eu] `x`&gt;</b>\nMonitor 'db_main *prod* [eu] `x`' is DOWN: HTTP 503 &lt;html&gt; &amp; \"co\"",
      parse_mode: 'HTML',
    });
  });
});

describe('OPSGENIE', () => {
  it('uses the EU endpoint when eu is "true" and the P3 default priority', async () => {
    const req = await sendOne('OPSGENIE', () => ({ api_key: 'genie-key', eu: 'true' }), DOWN);
    expect(req.path).toBe('/eu/v2/alerts');
    expect(req.json()).toMatchObject({ priority: 'P3' });
  });

  it('caps the message at 130 characters without splitting an emoji', async () => {
    const title = `🚨${'x'.repeat(128)}🔥tail`;
    const req = await sendOne('OPSGENIE', () => ({ api_key: 'genie-key' }), { ...DOWN, title });
    const { message, description } = req.json() as { message: string; description: string };
    expect(Array.from(message)).toHaveLength(130);
    expect(message).toBe(`🚨${'x'.repeat(128)}🔥`);
    expect(description).toBe(DOWN.message);
  });
});

describe('NTFY', () => {
  it('sends basic auth and the configured priority when username and password are set', async () => {
    const req = await sendOne(
      'NTFY',
      (r) => ({ url: r.url, topic: 'ops', priority: '5', username: 'alice', password: 'pa:ss' }),
      { ...DOWN, title: 'plain title' },
    );
    expect(req.path).toBe('/ops');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('alice:pa:ss').toString('base64')}`);
    expect(req.headers.priority).toBe('5');
    expect(req.headers.title).toBe('plain title');
  });

  it('sends no auth with a username alone, and strips CR/LF from the title', async () => {
    const req = await sendOne('NTFY', (r) => ({ url: r.url, topic: 'ops', username: 'alice' }), {
      ...DOWN,
      title: 'first\r\nX-Injected: yes',
    });
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers['x-injected']).toBeUndefined();
    expect(req.headers.title).toBe('firstX-Injected: yes');
  });
});

describe('MATRIX', () => {
  it('uses a fresh transaction id for every message', async () => {
    const receiver = await startReceiver();
    const settings = { homeserver: receiver.url, access_token: 't', room_id: '!r:h' };
    await getProvider('MATRIX').send(settings, DOWN, sendContext(receiver));
    await getProvider('MATRIX').send(settings, DOWN, sendContext(receiver));
    const [a, b] = receiver.requests.map((r) => r.path.split('/').pop());
    expect(a).not.toBe(b);
  });
});

describe('TEAMS', () => {
  it('colours an SSL warning amber', async () => {
    const req = await sendOne('TEAMS', (r) => ({ url: r.url }), SSL);
    expect(req.json()).toMatchObject({ themeColor: 'FFB900' });
  });
});

/** What ntfy's server does with an RFC 2047 header (Go's mime.WordDecoder). */
function decodeRfc2047(value: string): string {
  return value.replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/gi, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
}
