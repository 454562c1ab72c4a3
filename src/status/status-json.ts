import type { SiteStatus } from '../generated/prisma/client.ts';
import { forEachInSteps } from '../turns.ts';
import type { BoardSite } from './board.ts';

/**
 * Sites written per turn of the event loop: about 2 ms here (2 µs a site). 10,000 sites in one piece held the event
 * loop for 25 ms at every poll.
 */
export const SITES_WRITTEN_PER_STEP = 1000;

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

/** `<`, `>`, `&`, U+2028 and U+2029 as `\u00XX`, as Go's json.Encoder writes them (so the JSON is also safe inside HTML). */
const escapeLikeGo = (json: string) => json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * The body Go's json.Encoder writes for the object keyed by site id, with its trailing newline, SITES_WRITTEN_PER_STEP
 * entries per turn of the event loop. `sites` come in id order, as the board lists them: the order JSON.stringify gave
 * the object's integer keys when it wrote the whole object at once.
 */
export async function statusJson(sites: readonly BoardSite[]): Promise<string> {
  const entries: string[] = [];
  await forEachInSteps(sites, SITES_WRITTEN_PER_STEP, (site) => entries.push(`"${site.id}":${escapeLikeGo(JSON.stringify(toGoStatusSite(site)))}`));
  return `{${entries.join(',')}}\n`;
}
