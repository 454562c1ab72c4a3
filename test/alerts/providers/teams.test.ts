import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { EVENTS, expectJsonPost, SSL, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, describePrivateTargetsRefused } from '../provider-contract.ts';

describe.each(EVENTS)('TEAMS: a $event alert', (alert) => {
  it('posts a MessageCard', async () => {
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
});

describe('TEAMS', () => {
  it('colours an SSL warning amber', async () => {
    const req = await sendOne('TEAMS', (r) => ({ url: r.url }), SSL);
    expect(req.json()).toMatchObject({ themeColor: 'FFB900' });
  });
});

describe('TEAMS settings', () => {
  it('accepts a webhook URL', () => {
    expect(validateAlertSettings('TEAMS', { url: 'https://x.webhook.office.com/y' })).toEqual({
      ok: true,
      settings: { url: 'https://x.webhook.office.com/y' },
    });
  });

  it('refuses a key it does not have', () => {
    expect(settingsIssues('TEAMS', { url: 'https://e.com', colour: 'red' })).toEqual([{ field: 'settings.colour', message: 'is not a TEAMS setting' }]);
  });

  it('shows none of them: the webhook URL carries its token', () => {
    expect(redactSettings('TEAMS', { url: 'https://x.webhook.office.com/y' })).toEqual({ url: R });
  });
});

describeHttpFailures('TEAMS', { settings: (b) => ({ url: `${b}/webhookb2/tms-T0KEN` }), secrets: ['tms-T0KEN', '/webhookb2'] });
describePrivateTargetsRefused('TEAMS', (b) => ({ url: `${b}/webhookb2/x` }));
