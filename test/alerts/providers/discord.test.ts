import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { DOWN, EVENTS, expectJsonPost, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, describePrivateTargetsRefused } from '../provider-contract.ts';

describe.each(EVENTS)('DISCORD: a $event alert', (alert) => {
  it('posts {content} with a bold title', async () => {
    const req = await sendOne('DISCORD', (r) => ({ url: `${r.url}/api/webhooks/1/secret-token` }), alert);
    expectJsonPost(req, '/api/webhooks/1/secret-token');
    expect(req.json()).toEqual({ content: `**${alert.title}**\n${alert.message}`, allowed_mentions: { parse: [] } });
  });
});

describe('DISCORD', () => {
  const settings = (r: { url: string }) => ({ url: `${r.url}/api/webhooks/1/x` });

  it('pings nobody when a name or a pushed message says @everyone, @here or <@&role>', async () => {
    const alert = { ...DOWN, message: "Push Monitor 'backup @here' reported DOWN: disk full @everyone <@&123> <@456>" };
    const req = await sendOne('DISCORD', settings, alert);
    expect(req.json()).toEqual({
      content: "**🚨 ALERT**\nPush Monitor 'backup @here' reported DOWN: disk full @everyone \\<@&123> \\<@456>",
      allowed_mentions: { parse: [] },
    });
  });

  it('sends names and reasons as they are written, not as Markdown, and keeps a bare URL a working link', async () => {
    const alert = {
      ...DOWN,
      message:
        "Monitor '*prod* db_main_eu ~~old~~ `x` ||s|| [login](https://evil.example) <t:0> \\' is DOWN: Get https://h.example/a_b*c: 503\n# big\n> quoted\n- item",
    };
    const req = await sendOne('DISCORD', settings, alert);
    expect(req.json()).toEqual({
      content:
        "**🚨 ALERT**\nMonitor '\\*prod\\* db\\_main\\_eu \\~\\~old\\~\\~ \\`x\\` \\|\\|s\\|\\| \\[login\\](https://evil.example) \\<t:0> \\\\' is DOWN: Get https://h.example/a_b*c: 503\n\\# big\n\\> quoted\n\\- item",
      allowed_mentions: { parse: [] },
    });
  });

  it('cuts the content to the 2000 characters Discord accepts (it answers 400 to more), without splitting an emoji', async () => {
    const alert = { ...DOWN, message: `a${'😀'.repeat(1500)}` };
    const req = await sendOne('DISCORD', settings, alert);
    const { content } = req.json() as { content: string };
    expect(content).toBe(`**${alert.title}**\na${'😀'.repeat(992)}…`);
    expect(content.length).toBeLessThanOrEqual(2000);
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

describeHttpFailures('DISCORD', { settings: (b) => ({ url: `${b}/api/webhooks/1/dsc-T0KEN` }), secrets: ['dsc-T0KEN', '/api/webhooks'], service: 'Discord' });
describePrivateTargetsRefused('DISCORD', (b) => ({ url: `${b}/api/webhooks/1/x` }));
