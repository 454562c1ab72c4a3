import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { defineProvider } from './provider.ts';
import { httpUrl, required, requireSetting } from './setting.ts';

export const slack = defineProvider({
  provider: 'SLACK',
  settings: z.strictObject({ url: required(httpUrl) }),
  visibleKeys: [],
  async send(settings, alert, ctx) {
    await sendHttp({ url: requireSetting(settings, 'url'), json: { text: `*${alert.title}*\n${alert.message}` } }, ctx);
  },
});
