import type { Db } from '../db/client.ts';
import type { Check, ProbeNode } from '../generated/prisma/client.ts';

/** A probe's newest result for a site: its check row, and the node as it is registered now (null once deleted). */
export interface ProbeResultRow {
  check: Check;
  node: ProbeNode | null;
}

/**
 * The newest check row of each probe node for a site (rows with a node id: what the probes reported), read from the
 * database, so any instance answers alike and a restart loses nothing. Ordered by region, then node id.
 */
export async function latestProbeResults(db: Db, siteId: number): Promise<ProbeResultRow[]> {
  const newest = await db.check.groupBy({ by: ['nodeId'], where: { siteId, nodeId: { not: '' } }, _max: { checkedAt: true } });
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
