import type { SiteStatus } from '../generated/prisma/client.ts';
import type { BoardSite } from './board.ts';

/** The Go original's `Status` strings; `SSL EXP` has a space. */
export const GO_STATUS: Record<SiteStatus, string> = {
  UP: 'UP',
  DOWN: 'DOWN',
  PENDING: 'PENDING',
  LATE: 'LATE',
  STALE: 'STALE',
  SSL_EXPIRED: 'SSL EXP',
};

/** One entry of `/status/json`: the Go original's public DTO, field for field and in its order. */
export interface GoStatusSite {
  Name: string;
  Type: string;
  URL: string;
  Status: string;
  Paused: boolean;
  LastCheck: string;
  Latency: number;
}

/** What Go's `time.Time{}` marshals to: the LastCheck of a site never checked. */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Go's RFC 3339 with nanoseconds, in UTC: the fraction loses its trailing zeros, and a whole second has none. */
export function goTime(date: Date | null): string {
  return date ? date.toISOString().replace(/\.?0+Z$/, 'Z') : GO_ZERO_TIME;
}

/**
 * A URL as the public may see it: no userinfo, no query, no fragment (where tokens and keys live). Anything that
 * does not parse as a URL is left out rather than shown.
 */
export function publicUrl(url: string | null): string {
  if (!url) return '';
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.href;
  } catch {
    return '';
  }
}

/** `MAINT` overrides the status while a maintenance-type window covers the site, as in the Go original. */
export function goStatus(site: BoardSite): string {
  return site.maintenance ? 'MAINT' : GO_STATUS[site.status];
}

export function toGoStatusSite(site: BoardSite): GoStatusSite {
  return {
    Name: site.name,
    Type: site.type.toLowerCase(),
    URL: publicUrl(site.url),
    Status: goStatus(site),
    Paused: site.paused,
    LastCheck: goTime(site.lastCheckAt),
    // time.Duration: whole nanoseconds.
    Latency: site.latencyMs === null ? 0 : Math.round(site.latencyMs * 1e6),
  };
}

/**
 * The body Go's json.Encoder writes for the object keyed by site id: `<`, `>`, `&`, U+2028 and U+2029 escaped as
 * `\u00XX` (so the JSON is also safe inside HTML), and a trailing newline.
 */
export function statusJson(sites: readonly BoardSite[]): string {
  const byId: Record<string, GoStatusSite> = {};
  for (const site of sites) byId[String(site.id)] = toGoStatusSite(site);
  const json = JSON.stringify(byId).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${json}\n`;
}
