import { withConfig } from './live-state.ts';
import type { EngineSite } from './sites.ts';
import type { LiveSiteState } from './types.ts';

/** One site the engine knows: its configuration, what it is doing now, and the bookkeeping that orders its updates. */
export interface SiteEntry {
  site: EngineSite;
  state: LiveSiteState;
  /**
   * Counts the results and beats applied. Results are ordered by it, not by wall time, which a clock step or a
   * database moved between hosts can put in the future.
   */
  seq: number;
  /** Counts the configurations swapped in (reconfigure): a check started under an older one says nothing of this one. */
  configSeq: number;
  /** Push deadlines count from here: the last beat, or when this engine began judging if later (DESIGN decision 9). */
  pushFromMs: number;
  /** The read of the Site table this configuration came from (see LoadFence): an older read never overrides it. */
  readEpoch: number;
  /** When the runtime snapshot was last handed to the writer, and whether the live state moved on since. */
  savedAtMs: number;
  unsaved: boolean;
}

/**
 * The sites in memory with their two indexes, push token → site and group → children. Pure bookkeeping: times come in
 * as arguments, nothing is read or written, no timer is set.
 */
export class SiteRegistry {
  private readonly entries = new Map<number, SiteEntry>();
  private readonly tokens = new Map<string, number>();
  /** Group id → ids of the sites whose parent it is. */
  private readonly children = new Map<number, Set<number>>();

  get size(): number {
    return this.entries.size;
  }

  get(siteId: number): SiteEntry | undefined {
    return this.entries.get(siteId);
  }

  has(siteId: number): boolean {
    return this.entries.has(siteId);
  }

  values(): IterableIterator<SiteEntry> {
    return this.entries.values();
  }

  /** The push monitor a heartbeat token belongs to. */
  byToken(token: string): SiteEntry | undefined {
    const siteId = this.tokens.get(token);
    return siteId === undefined ? undefined : this.entries.get(siteId);
  }

  /** Live states of the sites whose parent is `groupId`. */
  childStates(groupId: number): LiveSiteState[] {
    const kids: LiveSiteState[] = [];
    for (const id of this.children.get(groupId) ?? []) {
      const child = this.entries.get(id);
      if (child) kids.push(child.state);
    }
    return kids;
  }

  /** Ids of the sites that are some site's parent. */
  parentIds(): IterableIterator<number> {
    return this.children.keys();
  }

  /** A site as first loaded, read at `readEpoch`, at `nowMs`. */
  add(site: EngineSite, state: LiveSiteState, readEpoch: number, nowMs: number): SiteEntry {
    const pushFromMs = Math.min(state.lastCheckAt?.getTime() ?? nowMs, nowMs);
    // A restored state is what the table holds; a new one has never been saved.
    const savedAtMs = state.status === 'PENDING' && !state.lastCheckAt ? -Infinity : nowMs;
    const entry: SiteEntry = { site, state: withConfig(state, site), seq: 0, configSeq: 0, pushFromMs, readEpoch, savedAtMs, unsaved: false };
    this.entries.set(site.id, entry);
    if (site.pushToken && site.type === 'PUSH') this.tokens.set(site.pushToken, site.id);
    this.linkParent(site.id, site.parentId);
    return entry;
  }

  /** Swaps in a new configuration of a known site, moving its token and parent link; answers the one it replaced. */
  reconfigure(entry: SiteEntry, site: EngineSite): EngineSite {
    const before = entry.site;
    if (before.pushToken) this.tokens.delete(before.pushToken);
    if (site.pushToken && site.type === 'PUSH') this.tokens.set(site.pushToken, site.id);
    if (before.parentId !== site.parentId) {
      this.unlinkParent(site.id, before.parentId);
      this.linkParent(site.id, site.parentId);
    }
    entry.site = site;
    entry.configSeq++;
    return before;
  }

  /** Forgets a site; its children lose their parent. Answers the entry removed and the children it left. */
  remove(siteId: number): { entry: SiteEntry; orphans: SiteEntry[] } | undefined {
    const entry = this.entries.get(siteId);
    if (!entry) return undefined;
    this.entries.delete(siteId);
    if (entry.site.pushToken) this.tokens.delete(entry.site.pushToken);
    this.unlinkParent(siteId, entry.site.parentId);
    const orphans: SiteEntry[] = [];
    for (const childId of this.children.get(siteId) ?? []) {
      const child = this.entries.get(childId);
      if (!child) continue;
      child.site = { ...child.site, parentId: null };
      child.state = withConfig(child.state, child.site);
      orphans.push(child);
    }
    this.children.delete(siteId);
    return { entry, orphans };
  }

  private linkParent(siteId: number, parentId: number | null): void {
    if (parentId === null) return;
    let kids = this.children.get(parentId);
    if (!kids) this.children.set(parentId, (kids = new Set()));
    kids.add(siteId);
  }

  private unlinkParent(siteId: number, parentId: number | null): void {
    if (parentId === null) return;
    const kids = this.children.get(parentId);
    kids?.delete(siteId);
    if (kids?.size === 0) this.children.delete(parentId);
  }
}
