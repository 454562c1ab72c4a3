import { isSslEvent, siteIncidentKey } from '../alerts/providers/incident-key.ts';
import type { AlertEvent, AlertMessage } from '../alerts/types.ts';
import type { SiteEntry } from './registry.ts';
import type { LiveSiteState } from './types.ts';

/** The key of the site's incident that an alert about `event` opens or closes, from the state the incident is open in. */
export type IncidentKeyOf = (state: Pick<LiveSiteState, 'siteId' | 'legacyOutageKey' | 'legacySslKey'>, event: AlertEvent) => string;

/**
 * The keys of this installation's incidents. One opened before installations had an id (marked by the migration that
 * brought them, for every incident open then) keeps the key it was opened with, its close too: the service knows it
 * by no other. The mark goes with its incident's close (OUTAGE_CLOSED, ssl-warning.ts), so a later one takes the new key.
 */
export function incidentKeys(installation: string): IncidentKeyOf {
  return (state, event) => {
    const legacy = isSslEvent(event) ? state.legacySslKey : state.legacyOutageKey;
    return siteIncidentKey(legacy ? null : installation, state.siteId, event);
  };
}

/** A site's state once its outage's recovery is told: no incident left open, nor its key. */
export const OUTAGE_CLOSED: Readonly<Pick<LiveSiteState, 'lastAlertAt' | 'legacyOutageKey'>> = Object.freeze({ lastAlertAt: null, legacyOutageKey: false });

/** An alert about the site's incident that `event` opens or closes, under the key its state knows that incident by. */
export function siteAlert(
  keyOf: IncidentKeyOf,
  { site, state }: Pick<SiteEntry, 'site' | 'state'>,
  alert: Pick<AlertMessage, 'event' | 'title' | 'message' | 'timestamp'>,
): AlertMessage {
  return { ...alert, site: { id: site.id, name: site.name, status: state.status }, incidentKey: keyOf(state, alert.event) };
}
