import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { defineProvider } from './provider.ts';
import { httpUrl, optional, required, requireSetting, text } from './setting.ts';

const SIGNATURE_HEADER = 'X-Uptop-Signature';

export const webhook = defineProvider({
  provider: 'WEBHOOK',
  settings: z.strictObject({ url: required(httpUrl), secret: optional(text) }),
  visibleKeys: [],
  async send(settings, alert, ctx) {
    const url = requireSetting(settings, 'url');
    const body = Buffer.from(
      JSON.stringify({
        event: alert.event,
        title: alert.title,
        message: alert.message,
        site: alert.site && { id: alert.site.id, name: alert.site.name, status: alert.site.status },
        timestamp: alert.timestamp.toISOString(),
      }),
    );
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (settings.secret) {
      headers[SIGNATURE_HEADER] = `sha256=${createHmac('sha256', settings.secret).update(body).digest('hex')}`;
    }
    await sendHttp({ url, body, headers, service: 'alert webhook' }, ctx);
  },
});
