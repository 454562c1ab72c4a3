import type { SecretBox } from '../alerts/crypto.ts';
import { turns } from '../turns.ts';
import type { Db } from '../db/client.ts';
import type { Prisma, Site, SiteRuntimeState } from '../generated/prisma/client.ts';
import type { PublicSiteConfig } from './types.ts';

/**
 * A site's configuration as the engine holds it: its whole `Site` row (so it is also a check target, with the auth
 * secret opened), naming the scheduling, alerting and grouping fields the engine relies on.
 */
export interface EngineSite extends Site {
  interval: number;
  maxRetries: number;
  expiryThreshold: number;
  paused: boolean;
  parentId: number | null;
  pushToken: string | null;
  renotifyMinutes: number;
  /** Change detection for the reconcile with the database. */
  updatedAt: Date;
  channelIds: number[];
  /** Why this site cannot be checked as configured (its auth secret does not decrypt); null when fine. */
  configError: string | null;
}

const SITE_QUERY = {
  include: { alertChannels: { select: { alertChannelId: true }, orderBy: { alertChannelId: 'asc' } } },
} satisfies Prisma.SiteFindManyArgs;

/** A site's row with its alert channel links, in channel id order. */
export type SiteRow = Prisma.SiteGetPayload<typeof SITE_QUERY>;

function toEngineSite(row: SiteRow, secretBox: SecretBox | undefined): EngineSite {
  let authSecret = row.authSecret;
  let configError: string | null = null;
  if (authSecret !== null && secretBox) {
    try {
      authSecret = secretBox.open(authSecret);
    } catch (err) {
      authSecret = null;
      configError = `cannot use the stored auth secret: ${(err as Error).message}`;
    }
  }
  // Every field named in one literal, in one order: Prisma builds rows key by key, which leaves them in dictionary
  // mode, and a copy made by spreading one got a hidden class of its own (50,000 sites: 50,000 classes, a quarter of
  // the live heap the garbage collector marks). A column added to Site fails to compile here until it is listed.
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    url: row.url,
    hostname: row.hostname,
    port: row.port,
    interval: row.interval,
    timeout: row.timeout,
    maxRetries: row.maxRetries,
    method: row.method,
    acceptedCodes: row.acceptedCodes,
    checkSsl: row.checkSsl,
    expiryThreshold: row.expiryThreshold,
    ignoreTls: row.ignoreTls,
    maxRedirects: row.maxRedirects,
    dnsResolveType: row.dnsResolveType,
    dnsServer: row.dnsServer,
    paused: row.paused,
    description: row.description,
    regions: row.regions,
    public: row.public,
    pushToken: row.pushToken,
    httpHeaders: row.httpHeaders,
    httpBody: row.httpBody,
    authType: row.authType,
    authUsername: row.authUsername,
    authSecret,
    keyword: row.keyword,
    keywordInvert: row.keywordInvert,
    renotifyMinutes: row.renotifyMinutes,
    parentId: row.parentId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    configError,
    channelIds: row.alertChannels.map((l) => l.alertChannelId),
  } satisfies Record<keyof EngineSite, unknown>;
}

/**
 * Rows per query when many sites are read. better-sqlite3 answers synchronously and Prisma maps a page's rows in one
 * piece: one read of 50,000 sites held the event loop for seconds, a page of 2,000 whole sites with their channel
 * links 60–110 ms, and one of this size holds it for 15–30 ms. It stays far below SQLite's limit on bound variables
 * when a page is a list of ids.
 */
export const PAGE_SIZE = 500;

/**
 * Reads a whole table in key order, a page per query and per turn of the event loop (`turns`), so timers and
 * sockets run between pages. `read` answers at most PAGE_SIZE rows whose key is above `after`, in key order.
 */
export async function readInPages<T>(read: (after: number) => Promise<T[]>, keyOf: (row: T) => number): Promise<T[]> {
  const all: T[] = [];
  for (let after = 0; ; ) {
    await turns.next();
    const page = await read(after);
    for (const row of page) all.push(row);
    if (page.length < PAGE_SIZE) return all;
    after = keyOf(page[page.length - 1]!);
  }
}

/** Every site's row with its alert channel links, in id order, read in pages: what the exports and plans go over. */
export function readSiteRows(db: Pick<Prisma.TransactionClient, 'site'>): Promise<SiteRow[]> {
  return readInPages(
    (after) => db.site.findMany({ where: { id: { gt: after } }, orderBy: { id: 'asc' }, take: PAGE_SIZE, ...SITE_QUERY }),
    (site) => site.id,
  );
}

/** Every site, or the given ones, with their alert channel links; auth secrets opened. Read in pages. */
export async function loadSites(db: Db, secretBox: SecretBox | undefined, ids?: readonly number[]): Promise<EngineSite[]> {
  const read = async (args: Prisma.SiteFindManyArgs) => (await db.site.findMany({ ...args, ...SITE_QUERY })).map((row) => toEngineSite(row, secretBox));
  if (!ids)
    return readInPages(
      (after) => read({ where: { id: { gt: after } }, orderBy: { id: 'asc' }, take: PAGE_SIZE }),
      (site) => site.id,
    );
  const sites: EngineSite[] = [];
  for (let i = 0; i < ids.length; i += PAGE_SIZE) {
    await turns.next();
    // No orderBy: Prisma splits a long IN list into several statements, which it refuses to do for an ordered read.
    for (const site of await read({ where: { id: { in: ids.slice(i, i + PAGE_SIZE) } } })) sites.push(site);
  }
  return sites;
}

/** The persisted runtime state of every site that has one, read in pages. */
export function loadRuntimeStates(db: Db, ids?: readonly number[]): Promise<SiteRuntimeState[]> {
  const only = ids ? { in: [...ids] } : undefined;
  return readInPages(
    (after) => db.siteRuntimeState.findMany({ where: { siteId: { gt: after, ...only } }, orderBy: { siteId: 'asc' }, take: PAGE_SIZE }),
    (row) => row.siteId,
  );
}

/** The site as the engine may hand it out: a stored secret, even one that does not open, is only said to be stored. */
export function publicConfig(site: EngineSite): PublicSiteConfig {
  const { authSecret, configError, channelIds: _channelIds, ...columns } = site;
  return { ...columns, hasAuthSecret: authSecret !== null || configError !== null };
}

/**
 * Alert channel ids per linked site, from the link table, read a page of sites at a time: one read of a channel's links
 * to 5,000 sites held the event loop for 55 ms.
 */
export async function loadChannelLinks(db: Db): Promise<Map<number, number[]>> {
  const sites = await readInPages(
    (after) =>
      db.site.findMany({
        where: { id: { gt: after }, alertChannels: { some: {} } },
        orderBy: { id: 'asc' },
        take: PAGE_SIZE,
        select: { id: true, alertChannels: { select: { alertChannelId: true } } },
      }),
    (site) => site.id,
  );
  return new Map(sites.map((site) => [site.id, site.alertChannels.map((link) => link.alertChannelId)]));
}

export function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  // Most sites of a large fleet share no link or one: no Set for those (a reconcile compares every site).
  if (a.length === 0) return true;
  if (a.length === 1) return a[0] === b[0];
  const set = new Set(a);
  return b.every((id) => set.has(id));
}
