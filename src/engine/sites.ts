import type { SecretBox } from '../alerts/crypto.ts';
import type { Db } from '../db/client.ts';
import type { Prisma, Site } from '../generated/prisma/client.ts';

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
  include: { alertChannels: { select: { alertChannelId: true } } },
} satisfies Prisma.SiteFindManyArgs;

type SiteRow = Prisma.SiteGetPayload<typeof SITE_QUERY>;

function toEngineSite(row: SiteRow, secretBox: SecretBox | undefined): EngineSite {
  const { alertChannels, ...fields } = row;
  let authSecret = fields.authSecret;
  let configError: string | null = null;
  if (authSecret !== null && secretBox) {
    try {
      authSecret = secretBox.open(authSecret);
    } catch (err) {
      authSecret = null;
      configError = `cannot use the stored auth secret: ${(err as Error).message}`;
    }
  }
  return { ...fields, authSecret, configError, channelIds: alertChannels.map((l) => l.alertChannelId) };
}

/** Every site, or the given ones, with their alert channel links; auth secrets opened. */
export async function loadSites(db: Db, secretBox: SecretBox | undefined, ids?: number[]): Promise<EngineSite[]> {
  const rows = await db.site.findMany({ ...SITE_QUERY, where: ids ? { id: { in: ids } } : undefined });
  return rows.map((row) => toEngineSite(row, secretBox));
}

/** Alert channel ids per site, from the link table. */
export async function loadChannelLinks(db: Db): Promise<Map<number, number[]>> {
  const links = await db.siteAlertChannel.findMany({ select: { siteId: true, alertChannelId: true } });
  const bySite = new Map<number, number[]>();
  for (const { siteId, alertChannelId } of links) {
    const list = bySite.get(siteId);
    if (list) list.push(alertChannelId);
    else bySite.set(siteId, [alertChannelId]);
  }
  return bySite;
}

export function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((id) => set.has(id));
}
