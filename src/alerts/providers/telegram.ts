import { sendHttp } from '../http.ts';
import type { AlertProviderImpl } from '../types.ts';
import { requireSetting, trimTrailingSlashes } from './setting.ts';

export const telegram: AlertProviderImpl = {
  provider: 'TELEGRAM',
  async send(settings, alert, ctx) {
    const token = requireSetting(settings, 'token');
    await sendHttp(
      {
        url: `${trimTrailingSlashes(ctx.endpoints.telegram)}/bot${token}/sendMessage`,
        operatorEndpoint: true,
        json: { chat_id: requireSetting(settings, 'chat_id'), text: `*${alert.title}*\n${alert.message}`, parse_mode: 'Markdown' },
      },
      ctx,
    );
  },
};
