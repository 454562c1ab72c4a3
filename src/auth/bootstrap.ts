import { randomBytes } from 'node:crypto';
import type { ServiceDeps } from '../services/deps.ts';
import { hashPassword } from './passwords.ts';

/**
 * Makes a fresh install usable: on an empty user table, creates the first admin from `config.admin`
 * (UPTOP_ADMIN_USER / UPTOP_ADMIN_PASSWORD), or else `admin` with a random password that is logged once.
 * Returns the username created, or null when users already existed.
 */
export async function ensureFirstAdmin(deps: Pick<ServiceDeps, 'db' | 'writer' | 'config' | 'logger' | 'clock'>): Promise<string | null> {
  const { db, writer, config, logger, clock } = deps;
  if ((await db.user.count()) > 0) {
    // Compose files set these on every start: one who changed the password there would think it applied.
    if (config.admin)
      logger.info(
        'UPTOP_ADMIN_USER and UPTOP_ADMIN_PASSWORD only create the first admin of an empty database: ignored (to change a password, run uptop user passwd)',
      );
    return null;
  }
  const username = config.admin?.username ?? 'admin';
  const password = config.admin?.password ?? randomBytes(12).toString('base64url');
  const passwordHash = await hashPassword(password);
  const now = clock.now();
  // Counted again inside the write, so two starting processes cannot both create one.
  const created = await writer.submit(async (tx) => {
    if ((await tx.user.count()) > 0) return false;
    await tx.user.create({ data: { username, passwordHash, role: 'ADMIN', createdAt: now, updatedAt: now } });
    return true;
  });
  if (!created) return null;
  if (config.admin) logger.info({ username }, 'created the first admin from UPTOP_ADMIN_USER');
  else logger.warn({ username, password }, 'created the first admin with a random password; sign in and change it (it is not shown again)');
  return username;
}
