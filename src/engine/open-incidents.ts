import type { AlertDispatcher, Channel, MovedChannel } from '../alerts/dispatcher.ts';
import type { AlertEvent, AlertMessage } from '../alerts/types.ts';
import type { Clock } from '../clock.ts';
import { type IncidentKeyOf, siteAlert } from './incident-keys.ts';
import type { SiteEntry } from './registry.ts';
import { certDaysLeft } from './ssl-warning.ts';
import { downMessage, isBroken, sslWarningMessage, TITLE_DOWN, TITLE_RECOVERY, TITLE_SSL, TITLE_SSL_RENEWED } from './state-machine.ts';

export interface OpenIncidentsOptions {
  clock: Clock;
  dispatcher: Pick<AlertDispatcher, 'dispatch' | 'closeAt' | 'incidentKeeper'>;
  incidentKeyOf: IncidentKeyOf;
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

/** A site's open incidents and the channels they are open at, as they were before a reload dropped the site. */
export interface HeldIncidents {
  entry: SiteEntry;
  channels: Channel[];
}

/**
 * The incidents a site's alerts opened at services that keep them (PagerDuty, Opsgenie) close only when told: the
 * recovery or the renewal does, as long as uptop watches the site. When it stops watching (the site deleted, replaced
 * or dropped by an import, its type changed, a channel unlinked or deleted, its certificate no longer checked), no
 * recovery will come, so the incident is closed then, or it pages on-call for an outage nobody watches. Chat channels
 * hear nothing: they keep no incident. The close goes to the channel as it is when uptop stops watching, or as it was
 * before an edit pointed it elsewhere: where the incident was opened.
 */
export class OpenIncidents {
  constructor(private readonly options: OpenIncidentsOptions) {}

  /**
   * Closes at `channelIds` what the site's state says its receivers were told and not yet told the end of: an outage
   * whose DOWN was sent (`lastAlertAt`), an SSL warning sent (`sentSslWarning`). `why` ends the note the close carries.
   */
  close(entry: SiteEntry, channelIds: readonly number[], why: string, kinds: IncidentKinds = BOTH): void {
    if (!this.options.checking(entry.site.id)) return;
    this.closeAt(entry, this.keepers(channelIds), why, kinds);
  }

  /** What `entries` have open, at their channels as they are now: a reload about to drop them hands it to closeGone. */
  held(entries: Iterable<SiteEntry>): HeldIncidents[] {
    const held: HeldIncidents[] = [];
    for (const entry of entries) {
      const { site, state } = entry;
      if (!(state.lastAlertAt || state.sentSslWarning) || !this.options.checking(site.id)) continue;
      const channels = this.keepers(site.channelIds);
      if (channels.length > 0) held.push({ entry, channels });
    }
    return held;
  }

  /**
   * After a reload: the incidents `held` found are closed where the site came back without them (replaced, its state
   * started afresh) or did not come back (removed). A site that came back as it was keeps them for its recovery.
   */
  closeGone(held: readonly HeldIncidents[], now: (siteId: number) => SiteEntry | undefined): void {
    for (const { entry, channels } of held) {
      const back = now(entry.site.id)?.state;
      const why = back ? 'was replaced' : 'was removed';
      this.closeAt(entry, channels, why, { outage: !back?.lastAlertAt, ssl: !back?.sentSslWarning });
    }
  }

  /**
   * A channel of the site now points elsewhere (another key, region or provider): what it opened is closed where it was
   * and, while the site still links the channel and its service keeps incidents, opened where it now points, so the
   * recovery closes it there. One open incident before, one after, at the channel's receiver.
   */
  move(entry: SiteEntry, moved: MovedChannel, stillLinked: boolean): void {
    const { site, state } = entry;
    if (!(state.lastAlertAt || state.sentSslWarning) || !this.options.checking(site.id)) return;
    const now = this.options.clock.now();
    const where = `alert channel '${moved.before.name}'`;
    const reopen = stillLinked && moved.keepsIncidents;
    if (state.lastAlertAt) {
      const message = `${downMessage(site, state.status, state.lastError)} (its incident moved with ${where})`;
      this.options.dispatcher.closeAt([moved.before], this.alert(entry, 'up', TITLE_RECOVERY, message, now));
      if (reopen && isBroken(state.status)) {
        this.options.dispatcher.dispatch([moved.id], this.alert(entry, 'down', TITLE_DOWN, message, now));
        this.options.log(`${message}: closed where it was, opened where the channel now points`, site.id);
      } else {
        this.options.log(`${message}: closed where it was`, site.id);
      }
    }
    if (state.sentSslWarning) {
      const message = `${sslMessage(entry, now)} (its warning moved with ${where})`;
      this.options.dispatcher.closeAt([moved.before], this.alert(entry, 'ssl_renewed', TITLE_SSL_RENEWED, message, now));
      if (reopen) this.options.dispatcher.dispatch([moved.id], this.alert(entry, 'ssl_expiring', TITLE_SSL, message, now));
      this.options.log(reopen ? `${message}: closed where it was, opened where the channel now points` : `${message}: closed where it was`, site.id);
    }
  }

  private alert(entry: SiteEntry, event: AlertEvent, title: string, message: string, timestamp: Date): AlertMessage {
    return siteAlert(this.options.incidentKeyOf, entry, { event, title, message, timestamp });
  }

  private keepers(channelIds: readonly number[]): Channel[] {
    return channelIds.flatMap((id) => this.options.dispatcher.incidentKeeper(id) ?? []);
  }

  private closeAt(entry: SiteEntry, channels: readonly Channel[], why: string, kinds: IncidentKinds): void {
    const { site, state } = entry;
    if (channels.length === 0) return;
    const now = this.options.clock.now();
    if (kinds.outage && state.lastAlertAt) {
      const message = `Monitor '${site.name}' ${why}: uptop no longer watches its outage`;
      const sent = this.options.dispatcher.closeAt(channels, this.alert(entry, 'up', TITLE_RECOVERY, message, now));
      if (sent > 0) this.options.log(`${message}, its incident is closed`, site.id);
    }
    if (kinds.ssl && state.sentSslWarning) {
      const message = `Monitor '${site.name}' ${why}: uptop no longer watches its certificate`;
      const sent = this.options.dispatcher.closeAt(channels, this.alert(entry, 'ssl_renewed', TITLE_SSL_RENEWED, message, now));
      if (sent > 0) this.options.log(`${message}, its SSL warning is closed`, site.id);
    }
  }
}

/** The SSL warning's text as the state machine words it, its days counted from now. */
function sslMessage(entry: SiteEntry, now: Date): string {
  const { site, state } = entry;
  return state.certExpiresAt ? sslWarningMessage(site.name, certDaysLeft(state.certExpiresAt, now)) : `SSL for '${site.name}' expires soon`;
}
