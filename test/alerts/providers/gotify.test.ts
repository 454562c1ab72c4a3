import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { EVENTS, expectJsonPost, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, describePrivateTargetsRefused } from '../provider-contract.ts';

describe.each(EVENTS)('GOTIFY: a $event alert', (alert) => {
  it('posts to <url>/message with the key header and a numeric priority', async () => {
    const req = await sendOne('GOTIFY', (r) => ({ url: `${r.url}/gotify/`, token: 'gotify-app-token', priority: '8' }), alert);
    expectJsonPost(req, '/gotify/message');
    expect(req.headers['x-gotify-key']).toBe('gotify-app-token');
    expect(req.json()).toEqual({ title: alert.title, message: alert.message, priority: 8 });
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

describeHttpFailures('GOTIFY', { settings: (b) => ({ url: b, token: 'gt-T0KEN' }), secrets: ['gt-T0KEN'] });
describePrivateTargetsRefused('GOTIFY', (b) => ({ url: b, token: 'gt' }));
