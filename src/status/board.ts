import type { Clock } from '../clock.ts';
import type { Db } from '../db/client.ts';
import { validateRecurrence, WatchedWindow } from '../engine/maintenance.ts';
import { PAGE_SIZE, readInPages } from '../engine/sites.ts';
import type { EngineApi, RecentResult } from '../engine/types.ts';
import type { MaintenanceType, MonitorType, SiteStatus } from '../generated/prisma/client.ts';
import { forEachInSteps } from '../turns.ts';
import { Cached } from './cached.ts';
import { readUptimes, type SiteUptime } from './uptime.ts';

/** How long the list of public sites and the active notices are reused; live status is read fresh every time. */
const LIST_TTL_MS = 5_000;
/** How long uptime figures are reused: they move slowly, and each refresh reads every site's recent state changes. */
const UPTIME_TTL_MS = 60_000;

/**
 * Public sites whose live state is read per turn of the event loop: about a millisecond here (0.2–0.8 µs a site).
 * 10,000 sites in one piece held it for 2–8 ms at every poll of the page or its JSON, and that grows with the fleet.
 */
export const SITES_READ_PER_STEP = 2000;

/** A public site now, with only what the status page may show. */
export interface BoardSite {
  id: number;
  name: string;
  type: MonitorType;
  /** The configured URL of an HTTP site, as stored (status-json.ts strips its secrets); null for every other type. */
  url: string | null;
  paused: boolean;
  /** The group, when that group is public too. */
  parentId: number | null;
  status: SiteStatus;
  /** A maintenance-type window covers it (global, direct, or via its group). */
  maintenance: boolean;
  lastCheckAt: Date | null;
  latencyMs: number | null;
  /** Its uptime counts from here (fromCreation). */
  createdAt: Date;
}

/** An active maintenance or incident window that is global or on a public site. */
export interface Notice {
  id: number;
  type: MaintenanceType;
  title: string;
  description: string;
  /** Start of the window, or of its current occurrence when it recurs. */
  since: Date;
  /** End of the window or occurrence; null when open-ended. */
  until: Date | null;
  /** The public site (or group) it is on; null for a global window. */
  siteName: string | null;
}

export interface Board {
  at: Date;
  sites: BoardSite[];
  notices: Notice[];
}

interface PublicRow {
  id: number;
  url: string | null;
  createdAt: Date;
}

/**
 * What the status page and its JSON show, from the engine's live state plus three cached reads: the public sites
 * (ids and URLs), the active notices, and uptime. Only sites marked public ever enter it.
 */
export class StatusBoard {
  private readonly publicSites: Cached<PublicRow[]>;
  private readonly notices: Cached<Notice[]>;
  private readonly uptimes: Cached<Map<number, SiteUptime>>;

  constructor(private readonly deps: { db: Db; engine: EngineApi; clock: Clock }) {
    const { db, clock } = deps;
    this.publicSites = new Cached(clock, LIST_TTL_MS, () =>
      readInPages(
        (after) =>
          db.site.findMany({
            where: { public: true, id: { gt: after } },
            select: { id: true, url: true, createdAt: true },
            orderBy: { id: 'asc' },
            take: PAGE_SIZE,
          }),
        (row) => row.id,
      ),
    );
    this.notices = new Cached(clock, LIST_TTL_MS, () => this.readNotices());
    this.uptimes = new Cached(clock, UPTIME_TTL_MS, async () => {
      // The group a window covers the site through, also when the group is not public and the page does not show it.
      const sites = (await this.sites()).map((site) => ({ ...site, parentId: deps.engine.getState(site.id)?.parentId ?? null }));
      return readUptimes(db, sites, clock.now());
    });
  }

  async board(): Promise<Board> {
    const [sites, notices] = await Promise.all([this.sites(), this.notices.get()]);
    return { at: this.deps.clock.now(), sites, notices };
  }

  /** Uptime of the public sites, refreshed at most once a minute; a site newer than the figures has none. */
  uptime(): Promise<Map<number, SiteUptime>> {
    return this.uptimes.get();
  }

  recentResults(siteId: number): RecentResult[] {
    return this.deps.engine.recentResults(siteId);
  }

  /**
   * The public sites with their live state, in id order, SITES_READ_PER_STEP per turn of the event loop (each site's
   * state read in one turn, so it agrees with itself); one the engine has not loaded yet (created a moment ago) is
   * left out.
   */
  async sites(): Promise<BoardSite[]> {
    const rows = await this.publicSites.get();
    const { engine } = this.deps;
    const publicIds = new Set(rows.map((r) => r.id));
    const sites: BoardSite[] = [];
    await forEachInSteps(rows, SITES_READ_PER_STEP, (row) => {
      const state = engine.getState(row.id);
      if (!state) return;
      const parentId = state.parentId !== null && publicIds.has(state.parentId) ? state.parentId : null;
      sites.push({
        id: row.id,
        name: state.name,
        type: state.type,
        url: state.type === 'HTTP' ? row.url : null,
        paused: state.paused,
        parentId,
        status: state.status,
        maintenance: engine.isInMaintenance(row.id),
        lastCheckAt: state.lastCheckAt,
        latencyMs: state.latencyMs,
        createdAt: row.createdAt,
      });
    });
    return sites;
  }

  private async readNotices(): Promise<Notice[]> {
    const now = this.deps.clock.now();
    const rows = await this.deps.db.maintenanceWindow.findMany({
      where: { startsAt: { lte: now }, OR: [{ endsAt: null }, { endsAt: { gt: now } }], AND: [{ OR: [{ siteId: null }, { site: { public: true } }] }] },
      include: { site: { select: { name: true } } },
      orderBy: [{ startsAt: 'desc' }, { id: 'desc' }],
    });
    const notices: Notice[] = [];
    for (const row of rows) {
      const state = new WatchedWindow(row).at(now.getTime());
      if (!state.active) continue;
      let since = row.startsAt;
      if (row.recurrence) {
        const durationMs = (row.durationMinutes ?? 0) * 60_000;
        const last = validateRecurrence(row.recurrence, row.durationMinutes, row.timezone).around(now.getTime(), durationMs, 0).last;
        if (last !== null) since = new Date(last);
      }
      notices.push({
        id: row.id,
        type: row.type,
        title: row.title,
        description: row.description,
        since,
        until: Number.isFinite(state.until) ? new Date(state.until) : null,
        siteName: row.site?.name ?? null,
      });
    }
    return notices;
  }
}
