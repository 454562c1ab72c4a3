import type { MovedChannel } from '../alerts/dispatcher.ts';
import type { Clock } from '../clock.ts';
import { initialState, withConfig } from './live-state.ts';
import type { LoadFence } from './load-fence.ts';
import type { OpenIncidents } from './open-incidents.ts';
import { startPushPeriod, type SiteLoop } from './loop.ts';
import type { SiteEntry, SiteRegistry } from './registry.ts';
import type { Renotifier } from './renotify.ts';
import type { SiteRuns } from './runs.ts';
import { FORGOTTEN } from './ssl-warning.ts';
import { sameIds, type EngineSite } from './sites.ts';
import type { TransitionEffects } from './transition-effects.ts';
import type { LiveSiteState, SiteChangeRecord } from './types.ts';

export interface SiteSyncOptions {
  clock: Clock;
  sites: SiteRegistry;
  fence: LoadFence;
  effects: TransitionEffects;
  loop: SiteLoop;
  renotifier: Renotifier;
  runs: SiteRuns;
  /** Closes the incidents of an outage or a certificate uptop stops watching. */
  incidents: OpenIncidents;
  log: (message: string, siteId: number | null) => void;
  /** Started, not stopped, active, and the site is this instance's: a changed site is checked again at once only then. */
  checking: (siteId: number) => boolean;
  /** Something the status snapshot counts may have changed. */
  statusChanged: () => void;
  /** A site's configuration changed or it is gone, for the clients that show it (`siteChanged`). */
  configChanged: (change: SiteChangeRecord) => void;
}

/**
 * Carries what the Site table says into every part that holds a site: the registry, the status counters, its job, its
 * reminders and its group. Commands and the reconcile both come through here.
 */
export class SiteSync {
  constructor(private readonly options: SiteSyncOptions) {}

  /** A site read at `readEpoch` for the first time, with the state it had (restored) or a new one. */
  add(site: EngineSite, state: LiveSiteState, readEpoch: number): void {
    const { sites, effects, clock } = this.options;
    effects.retally(sites.add(site, state, readEpoch, clock.nowMs()));
  }

  /**
   * A created or changed site, as read at `epoch`, takes effect at once: config swapped in, runtime state kept, checked
   * again now. Unless the site was removed since that read began, or a newer read already applied it.
   */
  upsertSite(site: EngineSite, epoch: number): void {
    const { sites, fence, effects, loop, renotifier, runs, clock } = this.options;
    if (!fence.admits(site.id, epoch)) return;
    const entry = sites.get(site.id);
    if (!entry) {
      this.add(site, initialState(site), epoch);
      if (this.options.checking(site.id) && !site.paused) void loop.trigger(site.id);
      runs.reevaluateGroup(site.parentId);
      this.options.statusChanged();
      this.options.configChanged({ siteId: site.id, removed: false });
      return;
    }
    if (entry.readEpoch > epoch) return;
    entry.readEpoch = epoch;
    const before = sites.reconfigure(entry, site);
    // A monitor whose type changed measures something else now: it starts PENDING like a new one, so a site turned
    // into a push monitor is not judged overdue against checks of its old type.
    const retyped = before.type !== site.type;
    this.closeUnwatched(entry, before, retyped);
    entry.state = withConfig(retyped ? initialState(site) : entry.state, site);
    if (retyped) {
      effects.saveRuntime(entry, clock.now());
      effects.forgetResults(site.id);
    }
    if (!retyped && judgedAfresh(before, site)) startPushPeriod(entry, clock.nowMs());
    if (before.paused !== site.paused) this.options.log(`Monitor '${site.name}' ${site.paused ? 'paused' : 'resumed'}`, site.id);
    // The job's kind (queued check or inline evaluation) follows the type, so a type change starts a fresh job.
    if (site.paused || retyped) loop.cancel(site.id);
    if (this.options.checking(site.id) && !site.paused) void loop.trigger(site.id);
    // A resumed site's reminders count from the resume: nothing was due while it was paused.
    renotifier.arm(entry, before.paused && !site.paused ? clock.nowMs() : undefined);
    // Moved out of a group in maintenance, or resumed: a push monitor silent through the window starts afresh; any
    // other outage whose alert was held back is told now.
    loop.windowMayHaveEnded(entry);
    renotifier.alertHeldBack(entry);
    effects.retally(entry);
    if (before.parentId !== site.parentId) runs.reevaluateGroup(before.parentId);
    runs.reevaluateGroup(site.parentId);
    this.options.statusChanged();
    this.options.configChanged({ siteId: site.id, removed: false });
  }

  /**
   * What an edit stops watching gets its incidents closed: all of them after a type change (the state starts afresh),
   * those at the channels unlinked, and the SSL warning's once the certificate is no longer checked. Before the new
   * state is swapped in, which no longer says what was told.
   */
  private closeUnwatched(entry: SiteEntry, before: EngineSite, retyped: boolean): void {
    const { incidents, clock } = this.options;
    const { site } = entry;
    if (retyped) {
      incidents.close(entry, before.channelIds, 'changed type');
      return;
    }
    incidents.close(entry, unlinked(before.channelIds, site.channelIds), 'is no longer linked to this channel');
    const watched = watchedCertificate(site);
    if (watched === watchedCertificate(before) || !remembersCertificate(entry.state)) return;
    // The warning, and the certificates it remembers, are about what the old address served: another address (https
    // to http, another host or port) serves another certificate, which is judged afresh.
    incidents.close(entry, site.channelIds, watched === null ? 'no longer checks its certificate' : 'checks another address', { outage: false, ssl: true });
    entry.state = { ...entry.state, ...FORGOTTEN };
    this.options.effects.saveRuntime(entry, clock.now());
  }

  /** A delete wins over every read still in flight, even for a site this engine has not seen yet. */
  siteRemoved(siteId: number): void {
    const entry = this.options.sites.get(siteId);
    if (entry) this.options.incidents.close(entry, entry.site.channelIds, 'was deleted');
    if (this.forget(siteId)) this.options.configChanged({ siteId, removed: true });
  }

  /**
   * Drops a site from every part that holds it, unannounced: a reload forgets every site to load them again, which
   * is no deletion for the clients that show them. False when the site was not held.
   */
  forget(siteId: number): boolean {
    const { sites, fence, effects, loop, renotifier, runs } = this.options;
    fence.removed(siteId);
    const removed = sites.remove(siteId);
    if (!removed) return false;
    effects.forget(siteId);
    loop.cancel(siteId);
    renotifier.clear(siteId);
    for (const child of removed.orphans) effects.retally(child);
    runs.reevaluateGroup(removed.entry.site.parentId);
    this.options.statusChanged();
    return true;
  }

  /**
   * The alert channel links of every site, as read from the link table, and the channels an edit pointed elsewhere
   * (AlertDispatcher.reload): the incidents they opened move with them, or close where they were if now unlinked.
   */
  applyLinks(links: Map<number, number[]>, moved: readonly MovedChannel[] = []): void {
    for (const entry of this.options.sites.values()) {
      const ids = links.get(entry.site.id) ?? [];
      this.moveIncidents(entry, moved, ids);
      if (!sameIds(ids, entry.site.channelIds)) {
        this.options.incidents.close(entry, unlinked(entry.site.channelIds, ids), 'is no longer linked to this channel');
        entry.site = { ...entry.site, channelIds: ids };
        this.options.renotifier.arm(entry);
      }
    }
  }

  /**
   * Channels an edit pointed elsewhere: their incidents move, opened again where the site still links the channel in
   * `links` (as read from the link table; without it, as the site holds them).
   */
  channelsMoved(moved: readonly MovedChannel[], links?: Map<number, number[]>): void {
    if (moved.length === 0) return;
    for (const entry of this.options.sites.values()) {
      this.moveIncidents(entry, moved, links ? (links.get(entry.site.id) ?? []) : entry.site.channelIds);
    }
  }

  /**
   * Moves the incidents of the site's moved channels. One the site no longer links has had its incident closed where
   * it was: it leaves the site's links now, or the unlink would close it again at where the channel now points.
   */
  private moveIncidents(entry: SiteEntry, moved: readonly MovedChannel[], linkedNow: readonly number[]): void {
    const here = moved.filter((m) => entry.site.channelIds.includes(m.id));
    if (here.length === 0) return;
    for (const m of here) this.options.incidents.move(entry, m, linkedNow.includes(m.id));
    const left = here.filter((m) => !linkedNow.includes(m.id)).map((m) => m.id);
    if (left.length === 0) return;
    entry.site = { ...entry.site, channelIds: entry.site.channelIds.filter((id) => !left.includes(id)) };
    this.options.renotifier.arm(entry);
  }
}

/** The channels in `before` that `after` no longer has. */
function unlinked(before: readonly number[], after: readonly number[]): number[] {
  return before.filter((id) => !after.includes(id));
}

/**
 * A push monitor resumed, or its silence judged by another rule (the interval, which sets the grace, or the retries):
 * the time that passed before was not under this rule, so it counts from now, as Kuma and healthchecks do at an edit.
 * Otherwise shortening an hourly job's interval to 5 minutes 30 minutes after its beat paged at once.
 */
function judgedAfresh(before: EngineSite, site: EngineSite): boolean {
  if (site.type !== 'PUSH') return false;
  const resumed = before.paused && !site.paused;
  return resumed || before.interval !== site.interval || before.maxRetries !== site.maxRetries;
}

/**
 * Where the certificate a site's SSL warning is about comes from: its URL's origin, as the state machine watches a
 * certificate only for HTTP sites with checkSsl (see handleStatusChange); null when it watches none.
 */
function watchedCertificate(site: EngineSite): string | null {
  if (site.type !== 'HTTP' || !site.checkSsl) return null;
  const url = site.url ?? '';
  return URL.canParse(url) ? new URL(url).origin : url;
}

function remembersCertificate(state: LiveSiteState): boolean {
  return state.sentSslWarning || state.sslWarnedExpiry !== null || state.sslRenewalChecks > 0;
}
