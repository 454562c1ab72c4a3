import { randomBytes } from 'node:crypto';
import type { Db } from './client.ts';

/** The `Preference` row holding the installation's id. */
export const INSTALLATION_KEY = 'uptop.installation';

/**
 * The id of the installation whose database this is, made on its first start (random: 64 bits tell installations
 * apart) and kept in the database, so a restart keeps it and every instance of a cluster shares it. The keys of the
 * incidents it opens carry it (src/alerts/providers/incident-key.ts). A backup does not carry it: an installation that
 * restores one keeps its own, and one seeded from another's backup does not take the other's.
 *
 * Run before the writer starts, as migrations are: the insert is a no-op once the row exists, so instances starting
 * together on one database all read the one that won.
 */
export async function installationId(db: Db): Promise<string> {
  const made = randomBytes(8).toString('hex');
  await db.$executeRaw`INSERT INTO "Preference" ("key", "value") VALUES (${INSTALLATION_KEY}, ${made}) ON CONFLICT ("key") DO NOTHING`;
  const row = await db.preference.findUniqueOrThrow({ where: { key: INSTALLATION_KEY } });
  return row.value;
}
