import type { Db } from '../db/client.ts';
import type { ProbeNode } from '../generated/prisma/client.ts';
import { ForbiddenError, NotFoundError } from '../services/errors.ts';
import type { Writer } from '../writer/types.ts';
import type { RegisterBody } from './wire.ts';

/** As the Go original's console shows a node: ONLINE when seen within a minute, STALE within five, else OFFLINE. */
export type ProbeNodeStatus = 'ONLINE' | 'STALE' | 'OFFLINE';

/**
 * A node not seen for longer than this is taken down for good and forgotten, as `deleteNode` would: otherwise every node id
 * ever used (a container's hostname, a probe renamed) stayed listed, OFFLINE, for ever.
 */
export const SILENT_PROBE_NODE_RETENTION_MS = 30 * 24 * 3600_000;

export function probeNodeStatus(lastSeen: Date, now: Date): ProbeNodeStatus {
  const ago = now.getTime() - lastSeen.getTime();
  return ago < 60_000 ? 'ONLINE' : ago < 5 * 60_000 ? 'STALE' : 'OFFLINE';
}

/**
 * A node speaks: it registers (its name, region and version are what it says), or fetches assignments or reports
 * results (then it is only seen). Either way `lastSeen` is now and the token's `lastUsedAt` too, in one command
 * through the writer. A node id belongs to the probe token that first registered it: another token is refused
 * (ForbiddenError) until that one is revoked. A node that reports without having registered (a Go probe registers once
 * at start and only logs a failure) is registered then, named by its id.
 */
export function claimNode(writer: Writer, tokenId: number, node: RegisterBody, now: Date, registering: boolean): Promise<ProbeNode> {
  return writer.submit(async (tx) => {
    const held = await tx.probeNode.findUnique({ where: { id: node.id } });
    if (held?.tokenId != null && held.tokenId !== tokenId) {
      throw new ForbiddenError(`node "${node.id}" belongs to another probe token; revoke that token first, or pick another node id`);
    }
    const { count } = await tx.apiToken.updateMany({ where: { id: tokenId }, data: { lastUsedAt: now } });
    if (!count) throw new ForbiddenError('the probe token was revoked');
    const said = registering ? { name: node.name || node.id, region: node.region ?? '', version: node.version ?? '' } : {};
    if (!held) return tx.probeNode.create({ data: { id: node.id, name: node.id, region: '', version: '', ...said, lastSeen: now, tokenId } });
    return tx.probeNode.update({ where: { id: node.id }, data: { ...said, lastSeen: now, tokenId } });
  });
}

/**
 * Forgets a node (one taken down for good): it leaves `probeNodes`, and its id is free for any probe token. Its check
 * rows stay, as history. A probe still running under that id registers it again at its next request: revoke its
 * token first.
 */
export async function deleteNode(writer: Writer, nodeId: string): Promise<void> {
  const { count } = await writer.submit((tx) => tx.probeNode.deleteMany({ where: { id: nodeId } }));
  if (!count) throw new NotFoundError('ProbeNode');
}

/** Deletes the nodes not seen for SILENT_PROBE_NODE_RETENTION_MS; run by the writer's retention timer. */
export async function deleteSilentNodes(db: Pick<Db, 'probeNode'>, now: Date): Promise<number> {
  const { count } = await db.probeNode.deleteMany({ where: { lastSeen: { lt: new Date(now.getTime() - SILENT_PROBE_NODE_RETENTION_MS) } } });
  return count;
}
