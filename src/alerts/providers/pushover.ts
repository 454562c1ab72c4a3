import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { defineProvider } from './provider.ts';
import { oneOf, optional, required, requireSetting, settingOr, text, wholeNumber } from './setting.ts';
import { truncate } from './truncate.ts';

/** Pushover refuses a longer message. */
const PUSHOVER_MESSAGE_LIMIT = 1024;
/** Emergency: repeated every `retry` seconds until acknowledged or `expire` seconds have passed, both required. */
const EMERGENCY = '2';
/** Pushover's bounds for an emergency (pushover.net/api#priority), and Kuma's values, which it sends for every alert. */
const MIN_RETRY_S = 30;
const MAX_EXPIRE_S = 10_800;
const DEFAULT_RETRY = '30';
const DEFAULT_EXPIRE = '3600';

export const pushover = defineProvider({
  provider: 'PUSHOVER',
  settings: z
    .strictObject({
      token: required(text.trim()),
      user: required(text.trim()),
      priority: optional(oneOf(['-2', '-1', '0', '1', EMERGENCY])),
      retry: optional(wholeNumber(MIN_RETRY_S, MAX_EXPIRE_S)),
      expire: optional(wholeNumber(MIN_RETRY_S, MAX_EXPIRE_S)),
    })
    .superRefine((s, ctx) => {
      // Pushover ignores them at any other priority: set there, they would promise a repetition that never comes.
      for (const key of ['retry', 'expire'] as const) {
        if (s[key] && s.priority !== EMERGENCY) ctx.addIssue({ code: 'custom', path: [key], message: 'applies to priority 2 (emergency) only' });
      }
    }),
  visibleKeys: ['priority', 'retry', 'expire'],
  endpoints: { messages: { env: 'UPTOP_PUSHOVER_URL', default: 'https://api.pushover.net/1/messages.json' } },
  async send(settings, alert, ctx) {
    const { priority } = settings;
    const json = {
      token: requireSetting(settings, 'token'),
      user: requireSetting(settings, 'user'),
      title: alert.title,
      message: truncate(alert.message, PUSHOVER_MESSAGE_LIMIT),
      // Left out unless set: Pushover's default is 0, normal priority.
      ...(priority && { priority: Number(priority) }),
      ...(priority === EMERGENCY && {
        retry: Number(settingOr(settings, 'retry', DEFAULT_RETRY)),
        expire: Number(settingOr(settings, 'expire', DEFAULT_EXPIRE)),
      }),
    };
    await sendHttp({ url: ctx.endpoints.messages, json, operatorEndpoint: true, service: 'Pushover' }, ctx);
  },
});
