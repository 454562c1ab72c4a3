import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { EVENTS, expectJsonPost, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, describePrivateTargetsRefused } from '../provider-contract.ts';

describe.each(EVENTS)('DISCORD: a $event alert', (alert) => {
  it('posts {content} with a bold title', async () => {
    const req = await sendOne('DISCORD', (r) => ({ url: `${r.url}/api/webhooks/1/secret-token` }), alert);
    expectJsonPost(req, '/api/webhooks/1/secret-token');
    expect(req.json()).toEqual({ content: `**${alert.title}**\n${alert.message}` });
  });
});

describe('DISCORD settings', () => {
  it('accepts a webhook URL, trimmed', () => {
    expect(validateAlertSettings('DISCORD', { url: ' https://discord.com/api/webhooks/1/x ' })).toEqual({
      ok: true,
      settings: { url: 'https://discord.com/api/webhooks/1/x' },
    });
  });

  it.each([{}, { url: '   ' }])('requires the URL: %j', (input) => {
    expect(settingsIssues('DISCORD', input)).toEqual([{ field: 'settings.url', message: 'is required' }]);
  });

  it('shows none of them: the webhook URL carries its token', () => {
    expect(redactSettings('DISCORD', { url: 'https://discord.com/api/webhooks/1/tok' })).toEqual({ url: R });
  });
});

describeHttpFailures('DISCORD', { settings: (b) => ({ url: `${b}/api/webhooks/1/dsc-T0KEN` }), secrets: ['dsc-T0KEN', '/api/webhooks'] });
describePrivateTargetsRefused('DISCORD', (b) => ({ url: `${b}/api/webhooks/1/x` }));
