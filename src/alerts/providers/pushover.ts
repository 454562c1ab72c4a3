import { sendHttp } from '../http.ts';
import type { AlertProviderImpl } from '../types.ts';
import { requireSetting } from './setting.ts';

export const pushover: AlertProviderImpl = {
  provider: 'PUSHOVER',
  async send(settings, alert, ctx) {
    const json = {
      token: requireSetting(settings, 'token'),
      user: requireSetting(settings, 'user'),
      title: alert.title,
      message: alert.message,
    };
    await sendHttp({ url: ctx.endpoints.pushover, json, operatorEndpoint: true }, ctx);
  },
};
