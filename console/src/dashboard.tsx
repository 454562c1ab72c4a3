import { useQuery, useSubscription } from '@urql/preact';
import { memo } from 'preact/compat';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { graphql } from './gql/index.ts';
import type { DisplayStatus, FleetFragment, SiteRowFragment } from './gql/graphql.ts';
import { queryUncached } from './client.ts';
import { PAGE, useRestOfPages } from './paging.ts';
import { navigate } from './route.ts';
import { Sparkline } from './sparkline.tsx';
import { daysUntil, formatMs, formatPercent, judged, sinceMinute, statusLabel, statusRank, statusTone } from './status.ts';
import { targetOf } from './target.ts';
import { usePageTitle } from './title.ts';

/** The fields a subscription event brings: the site's live state. */
export const SiteLiveDoc = graphql(`
  fragment SiteLive on Site {
    id
    status
    displayStatus
    paused
    inMaintenance
    latencyMs
    statusCode
    lastError
    lastCheckAt
    statusChangedAt
    certExpiresAt
    recentChecks { checkedAt latencyMs status }
  }
`);

export const SiteRowDoc = graphql(`
  fragment SiteRow on Site {
    ...SiteLive
    name
    type
    url
    hostname
    port
    checkSsl
    parent { id name }
  }
`);

/** The engine's counts that move when a monitor is added, deleted, paused or resumed, or enters maintenance. */
export const FleetDoc = graphql(`
  fragment Fleet on EngineStatus { sites paused maintenance }
`);

const DashboardQuery = graphql(`
  query Dashboard($first: Int!, $after: String) {
    engineStatus { ...Fleet }
    sites(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...SiteRow } }
    }
  }
`);

/** Read apart from the list: each page costs the server several times the live fields (bench/console.ts). */
const UptimeQuery = graphql(`
  query DashboardUptime($first: Int!, $after: String, $since: DateTime!) {
    sites(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id uptime24: uptime(from: $since) { uptimePercent } uptime30: uptime { uptimePercent } } }
    }
  }
`);

const StatusChanges = graphql(`
  subscription DashboardStatusChanges {
    siteStatusChanged { change { siteId to } site { ...SiteLive } }
  }
`);

const ChecksCompleted = graphql(`
  subscription DashboardChecks {
    checkCompleted { check { siteId } site { ...SiteLive } }
  }
`);

/** Edits made elsewhere (a rename, a new URL): graphcache writes the row's fields; a deleted site leaves the list. */
const SiteChanges = graphql(`
  subscription DashboardSiteChanges {
    siteChanged { siteId site { ...SiteRow } }
  }
`);

const FleetChanges = graphql(`
  subscription DashboardFleet {
    engineStatus { ...Fleet }
  }
`);

const DAY_MS = 86_400_000;

type Sort = 'status' | 'name' | 'latency';

function compare(sort: Sort): (a: SiteRowFragment, b: SiteRowFragment) => number {
  const byName = (a: SiteRowFragment, b: SiteRowFragment) => a.name.localeCompare(b.name);
  if (sort === 'name') return byName;
  if (sort === 'latency') return (a, b) => (b.latencyMs ?? -1) - (a.latencyMs ?? -1) || byName(a, b);
  return (a, b) => statusRank(a.displayStatus) - statusRank(b.displayStatus) || byName(a, b);
}

const fleetKey = (f: FleetFragment | undefined) => f && `${f.sites} ${f.paused} ${f.maintenance}`;

/**
 * 24-hour and 30-day uptime per site id: read page by page once the list is complete, again when a site joins or
 * leaves it, and every few minutes. `listed` is the number of sites listed, 0 while the list is still loading.
 */
type Uptimes = ReadonlyMap<string, { day: number; month: number }>;

const UPTIME_REFRESH_MS = 5 * 60_000;

function useUptimes(listed: number): Uptimes {
  const [uptimes, setUptimes] = useState<Uptimes>(new Map());
  useEffect(() => {
    if (listed === 0) return;
    let stopped = false;
    const load = async () => {
      const since = sinceMinute(DAY_MS);
      const next = new Map<string, { day: number; month: number }>();
      let after: string | null | undefined;
      do {
        const page = await queryUncached(UptimeQuery, { first: PAGE, after, since });
        if (stopped) return;
        for (const { node } of page.sites.edges) next.set(node.id, { day: node.uptime24.uptimePercent, month: node.uptime30.uptimePercent });
        setUptimes(new Map(next));
        after = page.sites.pageInfo.hasNextPage ? page.sites.pageInfo.endCursor : null;
      } while (after);
    };
    const run = () => void load().catch(() => undefined);
    run();
    const timer = setInterval(run, UPTIME_REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [listed]);
  return uptimes;
}

export function Dashboard({ filterRef }: { filterRef: { current: HTMLInputElement | null } }) {
  usePageTitle('Monitors');
  const [{ data, error, fetching }, reread] = useQuery({ query: DashboardQuery, variables: { first: PAGE } });
  // The events are written into the cache by graphcache; the list above re-reads it.
  useSubscription({ query: StatusChanges });
  useSubscription({ query: ChecksCompleted });
  useSubscription({ query: SiteChanges });
  // A monitor added, deleted, paused or put in maintenance elsewhere (another tab, a script) brings no check and no
  // state change: only the engine's counts tell, and then every page of the list is read again.
  const [{ data: live }] = useSubscription({ query: FleetChanges });
  const [reads, setReads] = useState(0);
  const liveFleet = fleetKey(live?.engineStatus);
  const listedFleet = fleetKey(data?.engineStatus);
  useEffect(() => {
    if (liveFleet === undefined || listedFleet === undefined || liveFleet === listedFleet) return;
    reread({ requestPolicy: 'network-only' });
    setReads((n) => n + 1);
  }, [liveFleet]);
  useRestOfPages(DashboardQuery, data, reads);
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<Sort>('status');

  // While later pages arrive the first one stays on screen: one render of the whole list instead of one per page.
  const complete = data !== undefined && !data.sites.pageInfo.hasNextPage;
  const [firstPage, setFirstPage] = useState<SiteRowFragment[] | null>(null);
  const sites = useMemo(() => (data?.sites.edges ?? []).map((e) => e.node), [data]);
  if (firstPage === null && data && !complete) setFirstPage(sites);
  const listed = complete || firstPage === null ? sites : firstPage;
  const uptimes = useUptimes(complete ? sites.length : 0);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const toggle = useCallback((id: string) => {
    setCollapsed((now) => {
      const next = new Set(now);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  }, []);
  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const order = compare(sort);
    // A filter lists every match, children too; otherwise each group is followed by its children, in the same order.
    if (needle)
      return listed
        .filter((s) => s.name.toLowerCase().includes(needle))
        .sort(order)
        .map((site) => ({ site, depth: 0 }));
    const ids = new Set(listed.map((s) => s.id));
    const children = new Map<string, SiteRowFragment[]>();
    const top: SiteRowFragment[] = [];
    for (const s of listed) {
      if (s.parent && ids.has(s.parent.id)) children.set(s.parent.id, [...(children.get(s.parent.id) ?? []), s]);
      else top.push(s);
    }
    const rows: { site: SiteRowFragment; depth: number }[] = [];
    const add = (site: SiteRowFragment, depth: number) => {
      rows.push({ site, depth });
      if (!collapsed.has(site.id)) for (const child of (children.get(site.id) ?? []).sort(order)) add(child, depth + 1);
    };
    for (const site of top.sort(order)) add(site, 0);
    return rows;
  }, [listed, filter, sort, collapsed]);

  if (error && !data) return <p class="error">{error.message}</p>;
  return (
    <section class="dashboard">
      {/* Where the focus lands when the dashboard is opened from another page; the summary below says the rest. */}
      <h1 class="visually-hidden">Monitors</h1>
      <Summary sites={sites} total={data?.sites.totalCount} />
      <div class="toolbar">
        <label class="filter">
          <span class="visually-hidden">Filter</span>
          <input
            ref={filterRef}
            type="search"
            placeholder="Filter by name ( / )"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
            // Enter opens the first monitor listed, as in the original.
            onKeyDown={(e) => {
              const first = shown[0];
              if (e.key === 'Enter' && first) navigate(`#/site/${encodeURIComponent(first.site.id)}`);
            }}
          />
        </label>
        <label>
          Sort{' '}
          <select value={sort} onChange={(e) => setSort(e.currentTarget.value as Sort)}>
            <option value="status">status</option>
            <option value="name">name</option>
            <option value="latency">latency</option>
          </select>
        </label>
      </div>
      {fetching && !data ? <p class="muted">Loading…</p> : null}
      {data && sites.length === 0 ? <p class="muted">No monitors yet.</p> : null}
      <ul class="sites" aria-label="Sites">
        {shown.map(({ site, depth }) => (
          <SiteRow
            key={site.id}
            site={site}
            uptime={uptimes.get(site.id)}
            depth={depth}
            collapsed={site.type === 'GROUP' ? collapsed.has(site.id) : undefined}
            onToggle={toggle}
          />
        ))}
      </ul>
    </section>
  );
}

function Summary({ sites, total }: { sites: readonly SiteRowFragment[]; total: number | undefined }) {
  // Every monitor in one count, so they add up; the ones not judged apart, as each is so for its own reason.
  const counts = new Map<string, number>();
  for (const s of sites) {
    const tone = statusTone(s.displayStatus);
    const key = tone === 'idle' ? s.displayStatus : tone;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const count = (key: string) => counts.get(key) ?? 0;
  return (
    <p class="summary">
      <b>{total ?? sites.length}</b> monitors · <span class="tone-bad">{count('bad')} down</span> · <span class="tone-warn">{count('warn')} late</span> ·{' '}
      <span class="tone-good">{count('good')} up</span> · <span class="tone-idle">{count('MAINTENANCE')} in maintenance</span> ·{' '}
      <span class="tone-idle">{count('PENDING')} pending</span> · <span class="tone-idle">{count('PAUSED')} paused</span>
    </p>
  );
}

/** The fields a row shows: a row re-renders only when one of them changed, not whenever the list is re-read. */
function sameRow(a: RowProps, b: RowProps): boolean {
  const x = a.site;
  const y = b.site;
  return (
    a.depth === b.depth &&
    a.collapsed === b.collapsed &&
    a.uptime?.day === b.uptime?.day &&
    a.uptime?.month === b.uptime?.month &&
    x.displayStatus === y.displayStatus &&
    x.name === y.name &&
    x.type === y.type &&
    targetOf(x) === targetOf(y) &&
    x.checkSsl === y.checkSsl &&
    x.latencyMs === y.latencyMs &&
    x.lastError === y.lastError &&
    x.lastCheckAt === y.lastCheckAt &&
    x.statusChangedAt === y.statusChangedAt &&
    x.certExpiresAt === y.certExpiresAt &&
    x.recentChecks.length === y.recentChecks.length &&
    x.recentChecks[x.recentChecks.length - 1]?.checkedAt === y.recentChecks[y.recentChecks.length - 1]?.checkedAt
  );
}

const broken: readonly DisplayStatus[] = ['DOWN', 'SSL_EXPIRED', 'LATE', 'STALE'];

interface RowProps {
  site: SiteRowFragment;
  uptime: { day: number; month: number } | undefined;
  /** 0 at the top, 1 for a group's child, ... */
  depth: number;
  /** For a group: whether its children are hidden. */
  collapsed: boolean | undefined;
  onToggle: (id: string) => void;
}

const SiteRow = memo(function SiteRow({ site, uptime, depth, collapsed, onToggle }: RowProps) {
  const tone = statusTone(site.displayStatus);
  const ssl = site.checkSsl && site.certExpiresAt ? daysUntil(site.certExpiresAt) : null;
  const shown = judged(site) ? uptime : undefined;
  return (
    <li
      class={depth > 0 ? 'site child' : 'site'}
      data-status={site.displayStatus}
      data-site-id={site.id}
      style={depth > 1 ? { paddingLeft: `${depth}rem` } : undefined}
    >
      <span class={`badge bg-${tone}`}>{statusLabel(site.displayStatus)}</span>
      <span class="name">
        {collapsed === undefined ? null : (
          <button
            type="button"
            class="toggle"
            aria-expanded={!collapsed}
            aria-label={`${collapsed ? 'Expand' : 'Collapse'} ${site.name}`}
            onClick={() => onToggle(site.id)}
          >
            {collapsed ? '▸' : '▾'}
          </button>
        )}
        <a href={`#/site/${encodeURIComponent(site.id)}`}>{site.name}</a>
      </span>
      <span class="target muted">{targetOf(site) ?? site.type}</span>
      <span class="latency">{formatMs(site.latencyMs)}</span>
      <Sparkline points={site.recentChecks} />
      <span class="uptime" title="uptime, last 24 hours">
        {formatPercent(shown?.day)}
      </span>
      <span class="uptime" title="uptime, last 30 days">
        {formatPercent(shown?.month)}
      </span>
      <span class="ssl muted" title="days until the certificate expires">
        {ssl === null ? '' : `SSL ${ssl}d`}
      </span>
      {broken.includes(site.displayStatus) && site.lastError ? <span class="error-line">{site.lastError}</span> : null}
    </li>
  );
}, sameRow);
