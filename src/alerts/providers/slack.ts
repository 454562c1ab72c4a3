import { sendHttp } from '../http.ts';
import type { AlertProviderImpl } from '../types.ts';
import { requireSetting } from './setting.ts';

export const slack: AlertProviderImpl = {
  provider: 'SLACK',
  async send(settings, alert, ctx) {
    await sendHttp({ url: requireSetting(settings, 'url'), json: { text: `*${alert.title}*\n${alert.message}` } }, ctx);
  },
};
