import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { DOWN, EVENTS, expectJsonPost, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, describePrivateTargetsRefused } from '../provider-contract.ts';

describe.each(EVENTS)('SLACK: a $event alert', (alert) => {
  it('posts {text} with a bold title', async () => {
    const req = await sendOne('SLACK', (r) => ({ url: `${r.url}/services/T0/B0/xyz` }), alert);
    expectJsonPost(req, '/services/T0/B0/xyz');
    expect(req.json()).toEqual({ text: `*${alert.title}*\n${alert.message}` });
  });
});

describe('SLACK', () => {
  it('escapes &, < and > so a name or reason can neither ping the channel nor vanish as a link', async () => {
    const alert = { ...DOWN, message: "Push Monitor 'db <!channel>' reported DOWN: got <html> & <https://evil.example|click>" };
    const req = await sendOne('SLACK', (r) => ({ url: `${r.url}/services/T0/B0/xyz` }), alert);
    expect(req.json()).toEqual({
      text: `*${alert.title}*\nPush Monitor 'db &lt;!channel&gt;' reported DOWN: got &lt;html&gt; &amp; &lt;https://evil.example|click&gt;`,
    });
  });
});

describe('SLACK settings', () => {
  it('accepts an http URL', () => {
    expect(validateAlertSettings('SLACK', { url: 'http://hooks.local/x' })).toEqual({ ok: true, settings: { url: 'http://hooks.local/x' } });
  });

  it('refuses a relative URL', () => {
    expect(settingsIssues('SLACK', { url: '/relative/path' })).toEqual([{ field: 'settings.url', message: 'must be an absolute http(s) URL' }]);
  });

  it('shows none of them: the webhook URL carries its token', () => {
    expect(redactSettings('SLACK', { url: 'https://hooks.slack.com/x' })).toEqual({ url: R });
  });
});

describeHttpFailures('SLACK', { settings: (b) => ({ url: `${b}/services/slk-T0KEN` }), secrets: ['slk-T0KEN', '/services'], service: 'Slack' });
describePrivateTargetsRefused('SLACK', (b) => ({ url: `${b}/services/x` }));
