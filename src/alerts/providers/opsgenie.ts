import { z } from 'zod';
import { sendHttp } from '../http.ts';
import type { AlertSettings } from '../types.ts';
import { closesIncident } from './incident-key.ts';
import { untilProcessed } from './opsgenie-requests.ts';
import { defineProvider } from './provider.ts';
import { oneOf, optional, required, requireSetting, settingOr, text, trimTrailingSlashes } from './setting.ts';
import { truncate } from './truncate.ts';

/** Opsgenie rejects alert messages longer than this. */
const OPSGENIE_MESSAGE_LIMIT = 130;
/** Opsgenie refuses a longer description, or a longer note on a close. */
const OPSGENIE_DESCRIPTION_LIMIT = 15_000;
const OPSGENIE_NOTE_LIMIT = 25_000;

const inEu = (settings: AlertSettings) => settings.eu === 'true';

export const opsgenie = defineProvider({
  provider: 'OPSGENIE',
  settings: z.strictObject({
    api_key: required(text.trim()),
    priority: optional(oneOf(['P1', 'P2', 'P3', 'P4', 'P5'])),
    eu: optional(oneOf(['true', 'false'])),
  }),
  visibleKeys: ['priority', 'eu'],
  // An alias names an alert within the API key's integration, in one region.
  incidentHome: (settings) => `${inEu(settings) ? 'eu' : 'us'} ${settingOr(settings, 'api_key', '')}`,
  endpoints: {
    us: { env: 'UPTOP_OPSGENIE_URL', default: 'https://api.opsgenie.com/v2/alerts' },
    eu: { env: 'UPTOP_OPSGENIE_EU_URL', default: 'https://api.eu.opsgenie.com/v2/alerts' },
  },
  async send(settings, alert, ctx) {
    const alerts = trimTrailingSlashes(inEu(settings) ? ctx.endpoints.eu : ctx.endpoints.us);
    const headers = { Authorization: `GenieKey ${requireSetting(settings, 'api_key')}` };
    const alias = alert.incidentKey;
    // A recovery closes the alert its outage opened (by the alias both carry), as PagerDuty's resolve does (DESIGN 5),
    // and a renewal the SSL warning's: a new alert would page the on-call again to say that all is well.
    const request = closesIncident(alert.event)
      ? {
          url: `${alerts}/${encodeURIComponent(alias)}/close?identifierType=alias`,
          json: { source: 'uptop', note: truncate(alert.message, OPSGENIE_NOTE_LIMIT) },
        }
      : {
          url: alerts,
          json: {
            // Cut by code point, not UTF-16 unit, so an emoji is never split in half.
            message: Array.from(alert.title).slice(0, OPSGENIE_MESSAGE_LIMIT).join(''),
            alias,
            description: truncate(alert.message, OPSGENIE_DESCRIPTION_LIMIT),
            source: 'uptop',
            priority: settingOr(settings, 'priority', 'P3'),
          },
        };
    // The test alert is closed as soon as it is open: the close must not be processed before the create.
    const followed = alert.event === 'test';
    const answer = await sendHttp({ ...request, operatorEndpoint: true, headers, readAnswer: followed, service: 'Opsgenie' }, ctx);
    if (followed) await untilProcessed(alerts, headers, answer, ctx);
  },
});
