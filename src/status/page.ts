import type { RecentResult } from '../engine/types.ts';
import type { SiteStatus } from '../generated/prisma/client.ts';
import { forEachInSteps } from '../turns.ts';
import type { Board, BoardSite, Notice } from './board.ts';
import { html, type SafeHtml } from './html.ts';
import { GO_STATUS, publicUrl } from './status-json.ts';
import type { SiteUptime } from './uptime.ts';

/** What the page needs besides the board: per-site figures and where its assets are. */
export interface PageData {
  title: string;
  board: Board;
  uptime: ReadonlyMap<number, SiteUptime>;
  recent: (siteId: number) => RecentResult[];
  /** Asset URLs relative to the page (`status/assets/status.css?v=...`), so a reverse proxy may mount it anywhere. */
  assets: { css: string; js: string };
}

/** The page's URL for its live part, relative like the assets. */
export const LIVE_PATH = 'status/live';

/**
 * Sites rendered per turn of the event loop: about 4 ms here (8 µs a site with a full strip of results, 5 with one).
 * 10,000 sites in one piece held the event loop for 100–250 ms at every poll of the page.
 */
export const SITES_RENDERED_PER_STEP = 500;

const BROKEN: ReadonlySet<SiteStatus> = new Set(['DOWN', 'SSL_EXPIRED']);

/** What a visitor sees for a site: MAINT over PAUSED over its status, as in the Go original's page. */
function label(site: BoardSite): string {
  if (site.maintenance) return 'MAINT';
  if (site.paused) return 'PAUSED';
  return GO_STATUS[site.status];
}

/** The CSS class of a status label: `SSL EXP` → `ssl-exp`. */
function tone(statusLabel: string): string {
  return statusLabel.toLowerCase().replace(/\s+/g, '-');
}

/** Counts down and listed first: broken, and neither paused nor in maintenance (SSL EXP is as down as DOWN). */
function isDown(site: BoardSite): boolean {
  return !site.paused && !site.maintenance && BROKEN.has(site.status);
}

function byDownThenName(a: BoardSite, b: BoardSite): number {
  return Number(isDown(b)) - Number(isDown(a)) || a.name.localeCompare(b.name) || a.id - b.id;
}

export interface Summary {
  up: number;
  down: number;
  maintenance: number;
  paused: number;
  total: number;
}

/** The Go original's tally: paused first, then MAINT, then UP or DOWN; every public site counts in the total. */
export function summarize(sites: readonly BoardSite[]): Summary {
  const s: Summary = { up: 0, down: 0, maintenance: 0, paused: 0, total: sites.length };
  for (const site of sites) {
    if (site.paused) s.paused++;
    else if (site.maintenance) s.maintenance++;
    else if (site.status === 'UP') s.up++;
    else if (BROKEN.has(site.status)) s.down++;
  }
  return s;
}

/** `4/6 UP · 1 DOWN · 1 PAUSED`: the parts after the first only when not zero, as in the Go original. */
function renderSummary(s: Summary): SafeHtml {
  const parts = [html`<span class="s-up">${s.up}/${s.total} UP</span>`];
  if (s.down) parts.push(html`<span class="s-down">${s.down} DOWN</span>`);
  if (s.maintenance) parts.push(html`<span class="s-maint">${s.maintenance} MAINT</span>`);
  if (s.paused) parts.push(html`<span class="s-paused">${s.paused} PAUSED</span>`);
  const joined = parts.flatMap((part, i) => (i ? [html`<span class="sep" aria-hidden="true"> · </span>`, part] : [part]));
  return html`<p class="summary" id="summary">${joined}</p>`;
}

/** A `<time>` in UTC; the page's script shows it in the viewer's own time zone. */
function time(date: Date, withDate = false): SafeHtml {
  const iso = date.toISOString();
  const text = withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : `${iso.slice(11, 19)} UTC`;
  return html`<time datetime="${iso}"${withDate ? html` data-date` : ''}>${text}</time>`;
}

function percent(value: number | undefined): string {
  if (value === undefined) return '—';
  if (value >= 100) return '100%';
  return `${(Math.floor(value * 100) / 100).toFixed(2)}%`;
}

function latency(ms: number | null): string {
  return ms === null ? '' : ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A bar's markup by status, made once: 10,000 full strips are 600,000 bars. */
const BAR = new Map(Object.entries(GO_STATUS).map(([status, text]) => [status, html`<i class="${tone(text)}"></i>`]));

/**
 * One bare element a result (`<i class="up"></i>`, 18 bytes): a page of 500 sites stays around half a megabyte,
 * polled every 5 s. The strip as a whole says what it shows to a screen reader.
 */
function renderBars(results: readonly RecentResult[]): SafeHtml {
  const up = results.filter((r) => r.status === 'UP').length;
  const bars = results.map((r) => BAR.get(r.status));
  const description = results.length ? `Last ${results.length} results: ${up} up, ${results.length - up} not up` : 'No results yet';
  return html`<div class="bars" role="img" aria-label="${description}">${bars}</div>`;
}

function renderSite(site: BoardSite, data: PageData): SafeHtml {
  const statusLabel = label(site);
  const up = data.uptime.get(site.id);
  const url = publicUrl(site.url);
  // A push beat and a group's verdict have no latency worth showing (a beat's is 0).
  const measured = site.type !== 'PUSH' && site.type !== 'GROUP';
  const meta = [
    html`<span>${site.type.toLowerCase()}</span>`,
    url ? html`<span class="url">${url}</span>` : null,
    measured && site.latencyMs !== null ? html`<span>${latency(site.latencyMs)}</span>` : null,
    site.lastCheckAt ? html`<span>checked ${time(site.lastCheckAt)}</span>` : html`<span>not checked yet</span>`,
  ].filter((part) => part !== null);
  const metaLine = meta.flatMap((part, i) => (i ? [html`<span class="sep" aria-hidden="true"> · </span>`, part] : [part]));
  return html`<article class="site st-${tone(statusLabel)}${site.type === 'GROUP' ? ' is-group' : ''}" data-site-id="${site.id}">
<div class="head"><h3 class="name">${site.name}</h3><span class="pill">${statusLabel}</span></div>
<p class="meta">${metaLine}</p>
${renderBars(data.recent(site.id))}
<p class="uptime"><span>24 h <b>${percent(up?.day)}</b></span><span>30 d <b>${percent(up?.month)}</b></span></p>
</article>`;
}

function renderNotice(n: Notice): SafeHtml {
  const kind = n.type === 'MAINTENANCE' ? 'Maintenance' : 'Incident';
  return html`<article class="notice n-${kind.toLowerCase()}">
<p class="kind">${kind} · ${n.siteName ?? 'All services'}</p>
<h2>${n.title}</h2>
${n.description ? html`<p class="desc">${n.description}</p>` : ''}
<p class="when">Since ${time(n.since, true)} · ${n.until ? html`until ${time(n.until, true)}` : 'until further notice'}</p>
</article>`;
}

/**
 * The part of the page the script replaces every few seconds: summary, notices and the sites, SITES_RENDERED_PER_STEP
 * sites rendered per turn of the event loop. The order is settled first, so the turn that joins the sites and writes
 * them out does not sort them too.
 */
export async function renderLive(data: PageData): Promise<SafeHtml> {
  const { sites, notices } = data.board;
  const children = new Map<number, BoardSite[]>();
  const top: BoardSite[] = [];
  for (const site of sites) {
    if (site.parentId === null) top.push(site);
    else {
      const list = children.get(site.parentId);
      if (list) list.push(site);
      else children.set(site.parentId, [site]);
    }
  }
  top.sort(byDownThenName);
  for (const list of children.values()) list.sort(byDownThenName);
  const rendered = new Map<number, SafeHtml>();
  await forEachInSteps(sites, SITES_RENDERED_PER_STEP, (site) => rendered.set(site.id, renderSite(site, data)));
  const items = top.map((site) => {
    if (site.type !== 'GROUP') return rendered.get(site.id);
    const rows = (children.get(site.id) ?? []).map((kid) => rendered.get(kid.id));
    return html`<section class="group" aria-label="${site.name}">${rendered.get(site.id)}<div class="children">${rows}</div></section>`;
  });
  return html`${renderSummary(summarize(sites))}
${notices.length ? html`<section class="notices" aria-label="Notices">${notices.map(renderNotice)}</section>` : ''}
<div class="sites">${items.length ? items : html`<p class="empty">No monitors to show.</p>`}</div>`;
}

/** The whole page, complete without JavaScript; with it, status.js keeps `#live` current. */
export async function renderPage(data: PageData): Promise<string> {
  const live = await renderLive(data);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${data.title}</title>
<link rel="stylesheet" href="${data.assets.css}">
<script src="${data.assets.js}" defer></script>
<noscript><meta http-equiv="refresh" content="30"></noscript>
</head>
<body>
<div class="wrap">
<header class="top"><h1>${data.title}</h1><p class="stale" id="stale">As of ${time(data.board.at)}</p></header>
<main id="live" data-src="${LIVE_PATH}">
${live}
</main>
<footer>Powered by uptop</footer>
</div>
</body>
</html>
`.value;
}
