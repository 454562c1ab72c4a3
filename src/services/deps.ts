import type { SecretBox } from '../alerts/crypto.ts';
import type { RevocationChannel } from '../auth/revocations.ts';
import type { AppDeps } from '../deps.ts';

/**
 * What services need: reads through `db`, writes through `writer.submit`, then a word to the engine; `revocations`
 * carries access changes to the other instances when there are several (UPTOP_REDIS_URL).
 */
export type ServiceDeps = Pick<AppDeps, 'db' | 'writer' | 'engine' | 'clock' | 'config' | 'logger'> & { secretBox: SecretBox; revocations?: RevocationChannel };

/**
 * Tells the engine about a committed change. The write already succeeded, so a failing notification must not fail
 * the mutation; the engine's periodic reconcile picks the change up, and the failure is logged.
 */
export async function notifyEngine(deps: Pick<ServiceDeps, 'logger'>, what: string, call: () => Promise<unknown> | unknown): Promise<void> {
  try {
    await call();
  } catch (err) {
    deps.logger.error({ err, what }, 'engine notification failed; the next reconcile applies the change');
  }
}
