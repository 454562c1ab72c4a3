import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Db } from '../db/client.ts';
import { resultTtlMs, type ProbeReport } from './probe-results.ts';

/** Sites per query of readProbeReports. */
const SITES_PER_QUERY = 500;

/**
 * The newest result of each regional probe for each site that is still fresh at `nowMs` (taken at most
 * max(3 × interval, 60 s) before), as the owner wrote them: check rows with a node id, dated on the owner's clock. What a
 * new owner of the sites restores (ProbeResults.restore), since the last owner held them in memory only. A row keeps
 * no certificate: the caller takes it from the site's state.
 */
export async function readProbeReports(
  db: Db,
  sites: readonly { id: number; interval: number }[],
  nowMs: number,
): Promise<Map<number, Omit<ProbeReport, 'hasSsl' | 'certExpiresAt'>[]>> {
  const bySite = new Map<number, Map<string, Omit<ProbeReport, 'hasSsl' | 'certExpiresAt'>>>();
  for (let i = 0; i < sites.length; i += SITES_PER_QUERY) {
    if (i > 0) await yieldToEventLoop();
    const page = sites.slice(i, i + SITES_PER_QUERY);
    // By the (siteId, checkedAt) index: only the rows of each site's freshness window, newest first.
    const rows = await db.check.findMany({
      where: { nodeId: { not: '' }, OR: page.map((site) => ({ siteId: site.id, checkedAt: { gte: new Date(nowMs - resultTtlMs(site.interval)) } })) },
      orderBy: [{ checkedAt: 'desc' }, { id: 'desc' }],
      select: { siteId: true, nodeId: true, checkedAt: true, status: true, latencyMs: true, statusCode: true, message: true },
    });
    for (const row of rows) {
      let nodes = bySite.get(row.siteId);
      if (!nodes) bySite.set(row.siteId, (nodes = new Map()));
      if (nodes.has(row.nodeId)) continue;
      const { nodeId, checkedAt, status, latencyMs, statusCode, message } = row;
      nodes.set(nodeId, { nodeId, checkedAt, status: status as ProbeReport['status'], latencyMs, statusCode, message: message ?? '' });
    }
  }
  return new Map(Array.from(bySite, ([siteId, nodes]) => [siteId, [...nodes.values()]]));
}
