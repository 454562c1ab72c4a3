import type { AlertEvent, AlertMessage } from '../types.ts';

/**
 * The key an incident service (PagerDuty's dedup_key, Opsgenie's alias) knows a site's alert by: a recovery closes
 * the incident its outage opened, so both share the site's key, restart or not. The SSL warning is its own incident:
 * an outage's recovery says nothing about the certificate, its renewal closes it. A test alert gets a key of its own,
 * which the close that ends the test shares (same timestamp, no site).
 */
export function incidentKey(alert: AlertMessage): string {
  if (!alert.site) return `uptop-test-${alert.timestamp.getTime()}`;
  const key = `uptop-site-${alert.site.id}`;
  return alert.event === 'ssl_expiring' || alert.event === 'ssl_renewed' ? `${key}-ssl` : key;
}

/** The events that close the incident their key names instead of opening one. */
export function closesIncident(event: AlertEvent): boolean {
  return event === 'up' || event === 'ssl_renewed';
}
