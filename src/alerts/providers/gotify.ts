import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { defineProvider } from './provider.ts';
import { httpUrl, optional, required, requireSetting, text, trimTrailingSlashes, wholeNumber } from './setting.ts';

const DEFAULT_PRIORITY = 5;

export const gotify = defineProvider({
  provider: 'GOTIFY',
  settings: z.strictObject({ url: required(httpUrl), token: required(text.trim()), priority: optional(wholeNumber(0, 10)) }),
  visibleKeys: ['priority'],
  async send(settings, alert, ctx) {
    const priority = Number.parseInt(settings.priority ?? '', 10);
    await sendHttp(
      {
        url: `${trimTrailingSlashes(requireSetting(settings, 'url'))}/message`,
        headers: { 'X-Gotify-Key': requireSetting(settings, 'token') },
        service: 'Gotify',
        json: { title: alert.title, message: alert.message, priority: Number.isNaN(priority) ? DEFAULT_PRIORITY : priority },
      },
      ctx,
    );
  },
});
