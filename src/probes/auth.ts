import type { IncomingMessage } from 'node:http';
import { bearerToken, hashToken, isProbeToken } from '../auth/tokens.ts';
import type { Db } from '../db/client.ts';

/** The probe token a request came with, resolved: the ApiToken row it is. */
export interface ProbeCaller {
  tokenId: number;
}

/**
 * The credential of a probe request: `Authorization: Bearer <probe token>`, or the header the Go original's probes
 * send their shared secret in (`X-Uptop-Secret`, `X-Upkeep-Secret` in its older releases), so a Go probe connects with
 * a probe token set as its UPTOP_CLUSTER_SECRET.
 */
export function presentedProbeToken(req: IncomingMessage): string | null {
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' && value.trim() ? value.trim() : null;
  };
  return bearerToken(req.headers.authorization) ?? header('x-uptop-secret') ?? header('x-upkeep-secret');
}

/**
 * The probe token behind `token`, if it is one that works now: a PROBE-scope ApiToken whose owner is still an ADMIN
 * (the grant ends with the role, DESIGN decision 13). Read from the database on every request: probe requests are
 * few (a limit per client IP comes first), and a revoked token stops at once, on every instance.
 */
export async function verifyProbeToken(db: Db, token: string | null): Promise<ProbeCaller | null> {
  if (!token || !isProbeToken(token)) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashToken(token) }, select: { id: true, scope: true, user: { select: { role: true } } } });
  if (row?.scope !== 'PROBE' || row.user.role !== 'ADMIN') return null;
  return { tokenId: row.id };
}
