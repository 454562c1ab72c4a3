import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { defineProvider } from './provider.ts';
import { required, requireSetting, text } from './setting.ts';

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
      message: alert.message,
    };
    await sendHttp({ url: ctx.endpoints.messages, json, operatorEndpoint: true }, ctx);
  },
});
