import { sendHttp } from '../http.ts';
import type { AlertProviderImpl } from '../types.ts';
import { requireSetting, trimTrailingSlashes } from './setting.ts';

const DEFAULT_PRIORITY = 5;

export const gotify: AlertProviderImpl = {
  provider: 'GOTIFY',
  async send(settings, alert, ctx) {
    const priority = Number.parseInt(settings.priority ?? '', 10);
    await sendHttp(
      {
        url: `${trimTrailingSlashes(requireSetting(settings, 'url'))}/message`,
        headers: { 'X-Gotify-Key': requireSetting(settings, 'token') },
        json: { title: alert.title, message: alert.message, priority: Number.isNaN(priority) ? DEFAULT_PRIORITY : priority },
      },
      ctx,
    );
  },
};
