import { z } from 'zod';
import { sendHttp } from '../http.ts';
import type { AlertEvent } from '../types.ts';
import { defineProvider } from './provider.ts';
import { httpUrl, required, requireSetting } from './setting.ts';

const THEME_COLOR: Record<AlertEvent, string> = {
  down: 'D13438',
  up: '2EB886',
  ssl_expiring: 'FFB900',
  test: '0078D7',
};

export const teams = defineProvider({
  provider: 'TEAMS',
  settings: z.strictObject({ url: required(httpUrl) }),
  visibleKeys: [],
  async send(settings, alert, ctx) {
    const json = {
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      summary: alert.title,
      themeColor: THEME_COLOR[alert.event],
      title: alert.title,
      text: alert.message,
    };
    await sendHttp({ url: requireSetting(settings, 'url'), json }, ctx);
  },
});
