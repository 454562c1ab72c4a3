import { sendHttp } from '../http.ts';
import type { AlertProviderImpl } from '../types.ts';
import { requireSetting, trimTrailingSlashes } from './setting.ts';

/**
 * HTML, not Markdown: Telegram refuses a Markdown message whose text has an unpaired `_`, `*`, `[` or backtick (a site
 * name like `db_main`), and the alert would be lost. In HTML only these three characters need escaping.
 */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const telegram: AlertProviderImpl = {
  provider: 'TELEGRAM',
  async send(settings, alert, ctx) {
    const token = requireSetting(settings, 'token');
    await sendHttp(
      {
        url: `${trimTrailingSlashes(ctx.endpoints.telegram)}/bot${token}/sendMessage`,
        operatorEndpoint: true,
        json: {
          chat_id: requireSetting(settings, 'chat_id'),
          text: `<b>${escapeHtml(alert.title)}</b>\n${escapeHtml(alert.message)}`,
          parse_mode: 'HTML',
        },
      },
      ctx,
    );
  },
};
