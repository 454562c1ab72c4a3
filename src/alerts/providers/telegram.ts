import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { escapeMarkup } from './escape-markup.ts';
import { defineProvider } from './provider.ts';
import { required, requireSetting, text, trimTrailingSlashes } from './setting.ts';
import { truncate } from './truncate.ts';

/** Telegram refuses a longer text, counted once the HTML is parsed (so before our escaping). */
const TELEGRAM_TEXT_LIMIT = 4096;

/**
 * Goes into a URL path, so it must not be able to change the path: what a bot token is (`<bot id>:<key>`) and
 * nothing else. Refusing only "/", "?" and "#" let `\..\` through, which URL parsers read as a step up the path, out
 * of the operator's endpoint, which the SSRF guard trusts.
 */
const botToken = text.trim().regex(/^\d+:[A-Za-z0-9_-]+$/, 'must be a bot token such as 123456:ABC-def_ghi');

export const telegram = defineProvider({
  provider: 'TELEGRAM',
  settings: z.strictObject({
    token: required(botToken),
    chat_id: required(text.trim().regex(/^(-?\d+|@\w+)$/, 'must be a numeric chat id or an @channel name')),
  }),
  visibleKeys: ['chat_id'],
  /** The Bot API base: `/bot<token>/sendMessage` is appended. */
  endpoints: { api: { env: 'UPTOP_TELEGRAM_API_URL', default: 'https://api.telegram.org' } },
  async send(settings, alert, ctx) {
    const token = requireSetting(settings, 'token');
    // The title, its line break, then as much of the message as fits.
    const message = truncate(alert.message, TELEGRAM_TEXT_LIMIT - alert.title.length - 1);
    await sendHttp(
      {
        url: `${trimTrailingSlashes(ctx.endpoints.api)}/bot${token}/sendMessage`,
        operatorEndpoint: true,
        service: 'Telegram',
        json: {
          chat_id: requireSetting(settings, 'chat_id'),
          text: `<b>${escapeMarkup(alert.title)}</b>\n${escapeMarkup(message)}`,
          // HTML, not Markdown: Telegram refuses a Markdown message whose text has an unpaired `_`, `*`, `[` or backtick
          // (a site name like `db_main`), and the alert would be lost. In HTML only escapeMarkup's three need escaping.
          parse_mode: 'HTML',
        },
      },
      ctx,
    );
  },
});
