import type { Db } from '../db/client.ts';

/**
 * Deletes the sessions that have expired. They already sign no one in (sessions.ts checks `expiresAt`); this keeps
 * the table from growing with every login that is never logged out. Run by the writer's retention timer.
 */
export async function deleteExpiredSessions(db: Pick<Db, 'session'>, now: Date): Promise<number> {
  const { count } = await db.session.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}
