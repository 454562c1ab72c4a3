import { z } from 'zod';
import { stripLineBreaks } from '../headers.ts';
import { sendHttp } from '../http.ts';
import { defineProvider } from './provider.ts';
import { httpUrl, oneOf, optional, required, requireSetting, settingOr, text, trimTrailingSlashes } from './setting.ts';
import { truncateUtf8 } from './truncate.ts';

/** ntfy's default message size limit: a longer body arrives as an attachment.txt (or is refused without attachments). */
const NTFY_MESSAGE_LIMIT = 4096;

const PRIORITY = oneOf(['1', '2', '3', '4', '5', 'min', 'low', 'default', 'high', 'max', 'urgent']);

export const ntfy = defineProvider({
  provider: 'NTFY',
  settings: z
    .strictObject({
      url: required(httpUrl),
      topic: required(text.trim().regex(/^[-_A-Za-z0-9]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"')),
      priority: optional(PRIORITY),
      // Kuma's "priority for down" (2.0), or one above its priority (1.22): what an imported channel sent.
      down_priority: optional(PRIORITY),
      username: optional(text),
      password: optional(text),
    })
    .superRefine((s, ctx) => {
      // A username alone is a mistake that would silently send no auth. A password alone is an access token.
      if (s.username && !s.password) {
        ctx.addIssue({ code: 'custom', path: ['password'], message: 'is required when the other credential is set' });
      }
    }),
  visibleKeys: ['topic', 'priority', 'down_priority'],
  async send(settings, alert, ctx) {
    const url = `${trimTrailingSlashes(requireSetting(settings, 'url'))}/${requireSetting(settings, 'topic')}`;
    const headers: Record<string, string> = {
      'Content-Type': 'text/plain; charset=utf-8',
      Title: encodeHeaderText(stripLineBreaks(alert.title)),
      Priority: (alert.event === 'down' && settings.down_priority) || settingOr(settings, 'priority', '3'),
    };
    // ntfy takes the password of basic auth with an empty username as an access token (its docs, "Access tokens").
    if (settings.password) {
      headers.Authorization = `Basic ${Buffer.from(`${settings.username ?? ''}:${settings.password}`).toString('base64')}`;
    }
    await sendHttp({ url, headers, body: truncateUtf8(alert.message, NTFY_MESSAGE_LIMIT), service: 'ntfy' }, ctx);
  },
});

/** HTTP headers carry Latin-1 only; ntfy decodes RFC 2047 encoded words, so titles with emoji survive. */
function encodeHeaderText(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
}
