import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { getProvider } from '../../../src/alerts/providers/index.ts';
import { startReceiver } from '../../helpers/receiver.ts';
import { startHttpTarget } from '../../helpers/targets.ts';
import { DOWN, EVENTS, expectJsonPost, sendContext, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, describePrivateTargetsRefused } from '../provider-contract.ts';

describe.each(EVENTS)('GOTIFY: a $event alert', (alert) => {
  it('posts to <url>/message with the key header and a numeric priority', async () => {
    const req = await sendOne('GOTIFY', (r) => ({ url: `${r.url}/gotify/`, token: 'gotify-app-token', priority: '8' }), alert);
    expectJsonPost(req, '/gotify/message');
    expect(req.headers['x-gotify-key']).toBe('gotify-app-token');
    expect(req.json()).toEqual({ title: alert.title, message: alert.message, priority: 8 });
  });
});

describe('GOTIFY behind a redirect', () => {
  it('sends its key to the same host only: a redirect elsewhere gets the message without it', async () => {
    const elsewhere = await startReceiver();
    const gateway = await startHttpTarget();
    try {
      // localhost is another host name than the gateway's 127.0.0.1.
      gateway.reply({ status: 307, headers: { location: `${elsewhere.url.replace('127.0.0.1', 'localhost')}/message` } });
      await getProvider('GOTIFY').send({ url: gateway.url, token: 'gotify-app-token' }, DOWN, sendContext(gateway));
      expect(gateway.requests[0]!.headers['x-gotify-key']).toBe('gotify-app-token');
      expect(elsewhere.requests).toHaveLength(1);
      expect(elsewhere.requests[0]!.json()).toMatchObject({ title: DOWN.title });
      expect(elsewhere.requests[0]!.headers['x-gotify-key']).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });

  it("sends its key on to another port of the same host, as Go's client does", async () => {
    const moved = await startReceiver();
    const gateway = await startHttpTarget();
    try {
      gateway.reply({ status: 308, headers: { location: `${moved.url}/message` } });
      await getProvider('GOTIFY').send({ url: gateway.url, token: 'gotify-app-token' }, DOWN, sendContext(gateway));
      expect(moved.requests).toHaveLength(1);
      expect(moved.requests[0]!.headers['x-gotify-key']).toBe('gotify-app-token');
    } finally {
      await gateway.close();
    }
  });
});

describe('GOTIFY settings', () => {
  it('accepts priority 0', () => {
    expect(validateAlertSettings('GOTIFY', { url: 'https://g.example', token: 't', priority: '0' })).toEqual({
      ok: true,
      settings: { url: 'https://g.example', token: 't', priority: '0' },
    });
  });

  it.each(['11', '-1'])('refuses priority %s', (priority) => {
    expect(settingsIssues('GOTIFY', { url: 'https://g', token: 't', priority })).toEqual([
      { field: 'settings.priority', message: 'must be a whole number from 0 to 10' },
    ]);
  });

  it('shows the priority only', () => {
    expect(redactSettings('GOTIFY', { url: 'https://g.example', token: 't', priority: '5' })).toEqual({ url: R, token: R, priority: '5' });
  });
});

describeHttpFailures('GOTIFY', { settings: (b) => ({ url: b, token: 'gt-T0KEN' }), secrets: ['gt-T0KEN'], service: 'Gotify' });
describePrivateTargetsRefused('GOTIFY', (b) => ({ url: b, token: 'gt' }));
