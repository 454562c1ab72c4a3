import type { Db } from '../db/client.ts';

/**
 * How long an expired API token stays listed (as expired) before the retention pass deletes it: long enough for its
 * owner to see why a script stopped working, and which token to replace.
 */
export const EXPIRED_API_TOKEN_RETENTION_MS = 30 * 24 * 3600_000;

/** The API tokens that have not expired at `now`: without an expiry, or with one still ahead. */
export function unexpiredAt(now: Date) {
  return { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
}

/**
 * Deletes the sessions that have expired. They already sign no one in (sessions.ts checks `expiresAt`); this keeps
 * the table from growing with every login that is never logged out. Run by the writer's retention timer.
 */
export async function deleteExpiredSessions(db: Pick<Db, 'session'>, now: Date): Promise<number> {
  const { count } = await db.session.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}

/** Deletes the API tokens that expired more than EXPIRED_API_TOKEN_RETENTION_MS ago; run beside deleteExpiredSessions. */
export async function deleteExpiredApiTokens(db: Pick<Db, 'apiToken'>, now: Date): Promise<number> {
  const { count } = await db.apiToken.deleteMany({ where: { expiresAt: { lte: new Date(now.getTime() - EXPIRED_API_TOKEN_RETENTION_MS) } } });
  return count;
}
