import { z } from 'zod';
import { sendHttp } from '../http.ts';
import { closesIncident } from './incident-key.ts';
import { defineProvider } from './provider.ts';
import { oneOf, optional, required, requireSetting, settingOr, text } from './setting.ts';
import { truncate } from './truncate.ts';

/** PagerDuty refuses an event whose summary is longer. */
const PAGERDUTY_SUMMARY_LIMIT = 1024;

export const pagerduty = defineProvider({
  provider: 'PAGERDUTY',
  settings: z.strictObject({
    routing_key: required(text.trim()),
    severity: optional(oneOf(['critical', 'error', 'warning', 'info'])),
  }),
  visibleKeys: ['severity'],
  // The dedup_key names an incident within the integration the routing key routes to.
  incidentHome: (settings) => settingOr(settings, 'routing_key', ''),
  endpoints: { events: { env: 'UPTOP_PAGERDUTY_URL', default: 'https://events.pagerduty.com/v2/enqueue' } },
  async send(settings, alert, ctx) {
    const routingKey = requireSetting(settings, 'routing_key');
    const dedupKey = alert.incidentKey;
    const json = closesIncident(alert.event)
      ? { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey }
      : {
          routing_key: routingKey,
          event_action: 'trigger',
          dedup_key: dedupKey,
          payload: {
            summary: truncate(`${alert.title}: ${alert.message}`, PAGERDUTY_SUMMARY_LIMIT),
            source: 'uptop',
            severity: settingOr(settings, 'severity', 'critical'),
          },
        };
    await sendHttp({ url: ctx.endpoints.events, json, operatorEndpoint: true, service: 'PagerDuty' }, ctx);
  },
});
