import { sendHttp } from '../http.ts';
import type { AlertProviderImpl } from '../types.ts';
import { requireSetting, settingOr } from './setting.ts';

/** Opsgenie rejects alert messages longer than this. */
const OPSGENIE_MESSAGE_LIMIT = 130;

export const opsgenie: AlertProviderImpl = {
  provider: 'OPSGENIE',
  async send(settings, alert, ctx) {
    await sendHttp(
      {
        url: settings.eu === 'true' ? ctx.endpoints.opsgenieEu : ctx.endpoints.opsgenie,
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
};
