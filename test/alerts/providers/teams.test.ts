import { describe, expect, it } from 'vitest';
import { REDACTED as R, redactSettings } from '../../../src/alerts/redact.ts';
import { validateAlertSettings } from '../../../src/alerts/settings.ts';
import { DOWN, EVENTS, expectJsonPost, SSL, sendOne, settingsIssues } from '../support.ts';
import { describeHttpFailures, describePrivateTargetsRefused } from '../provider-contract.ts';

/** The Adaptive Card in the message envelope that Teams Workflows webhooks post, as its template reads `attachments`. */
const card = (title: string, message: string, color: string) => ({
  type: 'message',
  attachments: [
    {
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
        body: [
          { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: title, weight: 'Bolder', size: 'Medium', color }] },
          { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: message }] },
        ],
      },
    },
  ],
});

describe.each(EVENTS)('TEAMS: a $event alert', (alert) => {
  it('posts an Adaptive Card, which Workflows webhooks read (a MessageCard has no attachments: the flow fails after its 202)', async () => {
    const url = '/workflows/abc/triggers/manual/paths/invoke';
    const req = await sendOne('TEAMS', (r) => ({ url: `${r.url}${url}` }), alert);
    expectJsonPost(req, url);
    const color = { down: 'Attention', up: 'Good', test: 'Accent' }[alert.event as 'down' | 'up' | 'test'];
    expect(req.json()).toEqual(card(alert.title, alert.message, color));
  });
});

describe('TEAMS', () => {
  it('colours an SSL warning amber', async () => {
    const req = await sendOne('TEAMS', (r) => ({ url: r.url }), SSL);
    expect(req.json()).toEqual(card(SSL.title, SSL.message, 'Warning'));
  });

  it('sends names and reasons as plain text runs, which Teams reads without Markdown', async () => {
    const message = "Monitor '*prod* db_main_eu' is DOWN: [login](https://evil.example) - **now**";
    const req = await sendOne('TEAMS', (r) => ({ url: r.url }), { ...DOWN, message });
    const body = (req.json() as ReturnType<typeof card>).attachments[0]!.content.body;
    expect(body.map((b) => b.type)).toEqual(['RichTextBlock', 'RichTextBlock']);
    expect(body[1]).toEqual({ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: message }] });
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

describeHttpFailures('TEAMS', { settings: (b) => ({ url: `${b}/webhookb2/tms-T0KEN` }), secrets: ['tms-T0KEN', '/webhookb2'], service: 'Teams' });
describePrivateTargetsRefused('TEAMS', (b) => ({ url: `${b}/webhookb2/x` }));
