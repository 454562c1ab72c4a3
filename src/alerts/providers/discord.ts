import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { escapeDiscordMarkdown } from './escape-markup.ts';
import { defineProvider } from './provider.ts';
import { httpUrl, required, requireSetting } from './setting.ts';
import { truncate } from './truncate.ts';

/** Discord refuses a message whose content is longer. */
const DISCORD_CONTENT_LIMIT = 2000;

export const discord = defineProvider({
  provider: 'DISCORD',
  settings: z.strictObject({ url: required(httpUrl) }),
  visibleKeys: [],
  async send(settings, alert, ctx) {
    const json = {
      content: truncate(`**${alert.title}**\n${escapeDiscordMarkdown(alert.message)}`, DISCORD_CONTENT_LIMIT),
      // Site names and pushed messages are text, not mentions: "@everyone" in one must not ping the whole server.
      allowed_mentions: { parse: [] },
    };
    await sendHttp({ url: requireSetting(settings, 'url'), json, service: 'Discord' }, ctx);
  },
});
