import type { AlertDispatcher } from '../alerts/dispatcher.ts';
import type { Clock } from '../clock.ts';
import type { SiteEntry } from './registry.ts';
import { TITLE_RECOVERY, TITLE_SSL_RENEWED } from './state-machine.ts';

export interface OpenIncidentsOptions {
  clock: Clock;
  dispatcher: Pick<AlertDispatcher, 'dispatch'>;
  log: (message: string, siteId: number | null) => void;
  /** Started, not stopped, active, and the site is this instance's: only its owner speaks for a site. */
  checking: (siteId: number) => boolean;
}

/** Which of a site's incidents to close: the outage's, the SSL warning's, or both. */
export interface IncidentKinds {
  outage: boolean;
  ssl: boolean;
}

const BOTH: IncidentKinds = { outage: true, ssl: true };

/**
 * The incidents a site's alerts opened at services that keep them (PagerDuty, Opsgenie) close only when told: the
 * recovery or the renewal does, as long as uptop watches the site. When it stops watching (the site deleted, its type
 * changed, a channel unlinked or deleted, its certificate no longer checked), no recovery will come, so the incident
 * is closed then, or it pages on-call for an outage nobody watches. Chat channels hear nothing: they keep no incident.
 */
export class OpenIncidents {
  constructor(private readonly options: OpenIncidentsOptions) {}

  /**
   * Closes at `channelIds` what the site's state says its receivers were told and not yet told the end of: an outage
   * whose DOWN was sent (`lastAlertAt`), an SSL warning sent (`sentSslWarning`). `why` ends the note the close carries.
   */
  close(entry: SiteEntry, channelIds: readonly number[], why: string, kinds: IncidentKinds = BOTH): void {
    const { site, state } = entry;
    if (channelIds.length === 0 || !this.options.checking(site.id)) return;
    const now = this.options.clock.now();
    const about = { id: site.id, name: site.name, status: state.status };
    const closes = { incidentKeepersOnly: true };
    if (kinds.outage && state.lastAlertAt) {
      const message = `Monitor '${site.name}' ${why}: uptop no longer watches its outage`;
      const sent = this.options.dispatcher.dispatch(channelIds, { event: 'up', title: TITLE_RECOVERY, message, site: about, timestamp: now }, closes);
      if (sent > 0) this.options.log(`${message}, its incident is closed`, site.id);
    }
    if (kinds.ssl && state.sentSslWarning) {
      const message = `Monitor '${site.name}' ${why}: uptop no longer watches its certificate`;
      const sent = this.options.dispatcher.dispatch(
        channelIds,
        { event: 'ssl_renewed', title: TITLE_SSL_RENEWED, message, site: about, timestamp: now },
        closes,
      );
      if (sent > 0) this.options.log(`${message}, its SSL warning is closed`, site.id);
    }
  }
}
