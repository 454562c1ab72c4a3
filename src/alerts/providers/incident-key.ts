import type { AlertEvent } from '../types.ts';

/*
 * The key an incident service (PagerDuty's dedup_key, Opsgenie's alias) knows a site's alert by: a recovery closes
 * the incident its outage opened, so both share the site's key, restart or not. The SSL warning is its own incident:
 * an outage's recovery says nothing about the certificate, its renewal closes it. A test alert gets a key of its own,
 * which the close that ends the test shares (same timestamp, no site).
 *
 * Site ids start at 1 in every installation, and one routing or API key is often pasted into several (regions,
 * staging and production): the key names the installation too, or the trigger of one installation's outage folds into
 * another's open incident (nobody paged) and either recovery closes both. The installation is the database's (see
 * src/db/installation.ts), so every instance of a cluster, and a restart, name it alike.
 */

/** The SSL warning's events, whose incident is apart from the outage's. */
export function isSslEvent(event: AlertEvent): boolean {
  return event === 'ssl_expiring' || event === 'ssl_renewed';
}

/**
 * The key of a site's incident that `event` opens or closes, for `installation`; null for an incident opened by an
 * uptop that knew no installation id, which keeps the key it was opened with until it is closed.
 */
export function siteIncidentKey(installation: string | null, siteId: number, event: AlertEvent): string {
  const key = installation === null ? `uptop-site-${siteId}` : `uptop-${installation}-site-${siteId}`;
  return isSslEvent(event) ? `${key}-ssl` : key;
}

/** The key of a test alert's incident, which the close that ends the test shares. */
export function testIncidentKey(installation: string, timestamp: Date): string {
  return `uptop-${installation}-test-${timestamp.getTime()}`;
}

/** The events that close the incident their key names instead of opening one. */
export function closesIncident(event: AlertEvent): boolean {
  return event === 'up' || event === 'ssl_renewed';
}
