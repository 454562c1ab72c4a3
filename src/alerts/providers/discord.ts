import { sendHttp } from '../http.ts';
import type { AlertProviderImpl } from '../types.ts';
import { requireSetting } from './setting.ts';

export const discord: AlertProviderImpl = {
  provider: 'DISCORD',
  async send(settings, alert, ctx) {
    await sendHttp({ url: requireSetting(settings, 'url'), json: { content: `**${alert.title}**\n${alert.message}` } }, ctx);
  },
};
