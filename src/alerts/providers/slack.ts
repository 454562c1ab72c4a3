import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { defineProvider } from './provider.ts';
import { httpUrl, required, requireSetting } from './setting.ts';

/**
 * Slack reads `<...>` as a link or a mention (`<!channel>` notifies everyone) and `&` as the start of an entity, so
 * names and reasons escape these three, as Slack's formatting guide asks; the title's `*` bold stays markup.
 */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const slack = defineProvider({
  provider: 'SLACK',
  settings: z.strictObject({ url: required(httpUrl) }),
  visibleKeys: [],
  async send(settings, alert, ctx) {
    await sendHttp({ url: requireSetting(settings, 'url'), json: { text: `*${escapeSlack(alert.title)}*\n${escapeSlack(alert.message)}` } }, ctx);
  },
});
