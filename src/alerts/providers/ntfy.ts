import { stripLineBreaks } from '../headers.ts';
import { sendHttp } from '../http.ts';
import type { AlertProviderImpl } from '../types.ts';
import { requireSetting, settingOr, trimTrailingSlashes } from './setting.ts';

export const ntfy: AlertProviderImpl = {
  provider: 'NTFY',
  async send(settings, alert, ctx) {
    const url = `${trimTrailingSlashes(requireSetting(settings, 'url'))}/${requireSetting(settings, 'topic')}`;
    const headers: Record<string, string> = {
      'Content-Type': 'text/plain; charset=utf-8',
      Title: encodeHeaderText(stripLineBreaks(alert.title)),
      Priority: settingOr(settings, 'priority', '3'),
    };
    if (settings.username && settings.password) {
      headers.Authorization = `Basic ${Buffer.from(`${settings.username}:${settings.password}`).toString('base64')}`;
    }
    await sendHttp({ url, headers, body: alert.message, service: 'ntfy' }, ctx);
  },
};

/** HTTP headers carry Latin-1 only; ntfy decodes RFC 2047 encoded words, so titles with emoji survive. */
function encodeHeaderText(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
}
