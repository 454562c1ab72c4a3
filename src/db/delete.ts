import type { AlertChannel, Prisma, Site } from '../generated/prisma/client.ts';

type Tx = Prisma.TransactionClient;

/**
 * Deletes a site inside the caller's transaction (submit it through the writer). Foreign keys cascade to its
 * checks, state changes, maintenance windows, runtime state and channel links; its logs keep their message
 * with the site cleared, and its child monitors are ungrouped. Returns the deleted site, or null when absent.
 */
export async function deleteSite(tx: Tx, siteId: number): Promise<Site | null> {
  const site = await tx.site.findUnique({ where: { id: siteId } });
  if (!site) return null;
  await tx.site.delete({ where: { id: siteId } });
  return site;
}

/**
 * Deletes an alert channel inside the caller's transaction: its links to sites and its health row cascade,
 * the sites stay. Returns the deleted channel, or null when absent.
 */
export async function deleteAlertChannel(tx: Tx, alertChannelId: number): Promise<AlertChannel | null> {
  const channel = await tx.alertChannel.findUnique({ where: { id: alertChannelId } });
  if (!channel) return null;
  await tx.alertChannel.delete({ where: { id: alertChannelId } });
  return channel;
}
