import type { CheckOptions, CheckTarget } from '../../src/engine/checks/types.ts';
import { SITE_DEFAULTS } from '../../src/services/site-config.ts';

/** A site as the engine would hand it to a checker: the services' defaults plus the given fields. */
export function site(fields: Partial<CheckTarget>): CheckTarget {
  return { id: 1, name: 'test site', type: 'HTTP', ...SITE_DEFAULTS, ...fields };
}

/** Tests aim at 127.0.0.1, so they allow private targets explicitly (except the SSRF tests). */
export const allowPrivate: CheckOptions = { allowPrivateTargets: true, insecureSkipVerify: false };
export const blockPrivate: CheckOptions = { allowPrivateTargets: false, insecureSkipVerify: false };
