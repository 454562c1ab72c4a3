import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { defineProvider } from './provider.ts';
import { oneOf, optional, required, requireSetting, settingOr, text } from './setting.ts';

/** Opsgenie rejects alert messages longer than this. */
const OPSGENIE_MESSAGE_LIMIT = 130;

export const opsgenie = defineProvider({
  provider: 'OPSGENIE',
  settings: z.strictObject({
    api_key: required(text.trim()),
    priority: optional(oneOf(['P1', 'P2', 'P3', 'P4', 'P5'])),
    eu: optional(oneOf(['true', 'false'])),
  }),
  visibleKeys: ['priority', 'eu'],
  endpoints: {
    us: { env: 'UPTOP_OPSGENIE_URL', default: 'https://api.opsgenie.com/v2/alerts' },
    eu: { env: 'UPTOP_OPSGENIE_EU_URL', default: 'https://api.eu.opsgenie.com/v2/alerts' },
  },
  async send(settings, alert, ctx) {
    await sendHttp(
      {
        url: settings.eu === 'true' ? ctx.endpoints.eu : ctx.endpoints.us,
        operatorEndpoint: true,
        headers: { Authorization: `GenieKey ${requireSetting(settings, 'api_key')}` },
        json: {
          // Cut by code point, not UTF-16 unit, so an emoji is never split in half.
          message: Array.from(alert.title).slice(0, OPSGENIE_MESSAGE_LIMIT).join(''),
          description: alert.message,
          source: 'uptop',
          priority: settingOr(settings, 'priority', 'P3'),
        },
      },
      ctx,
    );
  },
});
