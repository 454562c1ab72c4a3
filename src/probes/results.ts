import type { Db } from '../db/client.ts';
import { resultTtlMs } from '../engine/probe-results.ts';
import type { Check, ProbeNode } from '../generated/prisma/client.ts';

/** A probe's newest result for a site: its check row, and the node as it is registered now (null once deleted). */
export interface ProbeResultRow {
  check: Check;
  node: ProbeNode | null;
}

/**
 * The newest check row of each probe node for a site (rows with a node id: what the probes reported) among those that
 * still count towards its status at `now` (taken at most max(3 × interval, 60 s) before, as the owner counts them), read
 * from the database, so any instance answers alike and a restart loses nothing. A probe that stopped reporting drops
 * out as it does from the verdict. Ordered by region, then node id.
 */
export async function latestProbeResults(db: Db, site: { id: number; interval: number }, now: Date): Promise<ProbeResultRow[]> {
  const siteId = site.id;
  const since = new Date(now.getTime() - resultTtlMs(site.interval));
  const newest = await db.check.groupBy({ by: ['nodeId'], where: { siteId, nodeId: { not: '' }, checkedAt: { gte: since } }, _max: { checkedAt: true } });
  if (!newest.length) return [];
  const [checks, nodes] = await Promise.all([
    db.check.findMany({
      where: { siteId, OR: newest.map((n) => ({ nodeId: n.nodeId, checkedAt: n._max.checkedAt! })) },
      orderBy: { id: 'desc' },
    }),
    db.probeNode.findMany({ where: { id: { in: newest.map((n) => n.nodeId) } } }),
  ]);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const rows = new Map<string, ProbeResultRow>();
  // Two rows of a node taken at the same time: the one written last.
  for (const check of checks) if (!rows.has(check.nodeId)) rows.set(check.nodeId, { check, node: byId.get(check.nodeId) ?? null });
  const region = (row: ProbeResultRow) => row.node?.region ?? '';
  return [...rows.values()].sort((a, b) => region(a).localeCompare(region(b)) || a.check.nodeId.localeCompare(b.check.nodeId));
}
