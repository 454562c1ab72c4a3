import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { defineProvider } from './provider.ts';
import { required, requireSetting, text } from './setting.ts';
import { truncate } from './truncate.ts';

/** Pushover refuses a longer message. */
const PUSHOVER_MESSAGE_LIMIT = 1024;

export const pushover = defineProvider({
  provider: 'PUSHOVER',
  settings: z.strictObject({ token: required(text.trim()), user: required(text.trim()) }),
  visibleKeys: [],
  endpoints: { messages: { env: 'UPTOP_PUSHOVER_URL', default: 'https://api.pushover.net/1/messages.json' } },
  async send(settings, alert, ctx) {
    const json = {
      token: requireSetting(settings, 'token'),
      user: requireSetting(settings, 'user'),
      title: alert.title,
      message: truncate(alert.message, PUSHOVER_MESSAGE_LIMIT),
    };
    await sendHttp({ url: ctx.endpoints.messages, json, operatorEndpoint: true }, ctx);
  },
});
