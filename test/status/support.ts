import type { Checker } from '../../src/engine/checks/types.ts';
import type { Prisma } from '../../src/generated/prisma/client.ts';
import type { MaintenanceInput } from '../../src/services/maintenance.ts';
import type { TestApp } from '../helpers/app.ts';

/** The status page switched on, as an operator would. */
export const STATUS_ENV = { UPTOP_STATUS_ENABLED: 'true', UPTOP_STATUS_TITLE: 'Acme <Status> & "Co"' };

/**
 * Outbound checks answered from the target's URL, so statuses are exact and nothing leaves the machine: a query
 * `?test=down` is DOWN with a private reason, `?test=expired` an expired certificate, anything else UP in 12.5 ms.
 * (The query is one more thing the public output must strip.)
 */
export const checkByUrl: Checker = async (target) => {
  const base = { statusCode: 200, latencyMs: 12.5, hasSsl: false, certExpiresAt: null, message: '' };
  const mode = target.url ? new URL(target.url).searchParams.get('test') : null;
  if (mode === 'down') return { ...base, status: 'DOWN', statusCode: 503, message: 'reason-that-must-stay-private' };
  if (mode === 'expired') return { ...base, status: 'SSL_EXPIRED', hasSsl: true, message: 'certificate expired' };
  return { ...base, status: 'UP' };
};

/** A site stored as the API would store it, then loaded by the engine and checked once (unless paused or push). */
export async function addSite(t: TestApp, data: Prisma.SiteUncheckedCreateInput): Promise<number> {
  const { writer, engine } = t.app.deps;
  const site = await writer.submit((tx) => tx.site.create({ data }));
  await engine.siteChanged(site.id);
  await engine.whenIdle();
  return site.id;
}

export async function addWindow(t: TestApp, input: MaintenanceInput): Promise<number> {
  const window = await t.app.deps.services.maintenance.create(input, 'admin');
  return window.id;
}
