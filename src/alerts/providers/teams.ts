import { z } from 'zod';
import { sendHttp } from '../http.ts';
import type { AlertEvent } from '../types.ts';
import { defineProvider } from './provider.ts';
import { httpUrl, required, requireSetting } from './setting.ts';

/** Adaptive Cards name their colours by meaning; Teams picks the shade for the user's theme. */
const TITLE_COLOR: Record<AlertEvent, string> = {
  down: 'Attention',
  up: 'Good',
  ssl_expiring: 'Warning',
  ssl_renewed: 'Good',
  test: 'Accent',
};

export const teams = defineProvider({
  provider: 'TEAMS',
  settings: z.strictObject({ url: required(httpUrl) }),
  visibleKeys: [],
  async send(settings, alert, ctx) {
    // An Adaptive Card in a message envelope: Office 365 connectors (which also took MessageCards) are retired, and the
    // Teams Workflows webhook that replaces them posts the cards in `attachments`. It answers 202 before the flow runs,
    // so a MessageCard was "sent" and then never shown.
    const json = {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            // RichTextBlock's TextRuns take no Markdown, where a TextBlock reads a subset of it: a site named `*prod*` or
            // `db_main_eu`, or a pushed `[login](https://…)`, arrives as written, not in italics or as a link.
            body: [
              { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: alert.title, weight: 'Bolder', size: 'Medium', color: TITLE_COLOR[alert.event] }] },
              { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: alert.message }] },
            ],
          },
        },
      ],
    };
    await sendHttp({ url: requireSetting(settings, 'url'), json, service: 'Teams' }, ctx);
  },
});
