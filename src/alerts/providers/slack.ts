import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { escapeMarkup } from './escape-markup.ts';
import { defineProvider } from './provider.ts';
import { httpUrl, required, requireSetting } from './setting.ts';

export const slack = defineProvider({
  provider: 'SLACK',
  settings: z.strictObject({ url: required(httpUrl) }),
  visibleKeys: [],
  async send(settings, alert, ctx) {
    // Names and reasons escaped, as Slack's formatting guide asks; the title's `*` bold stays markup.
    const text = `*${escapeMarkup(alert.title)}*\n${escapeMarkup(alert.message)}`;
    await sendHttp({ url: requireSetting(settings, 'url'), json: { text }, service: 'Slack' }, ctx);
  },
});
