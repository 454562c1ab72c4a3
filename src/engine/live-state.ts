import type { SiteRuntimeState } from '../generated/prisma/client.ts';
import type { Write } from '../writer/types.ts';
import type { EngineSite } from './sites.ts';
import type { LiveSiteState } from './types.ts';

/** The runtime part of a site never checked: PENDING, nothing known yet. */
export const PENDING_RUNTIME: Readonly<Omit<SiteRuntimeState, 'siteId' | 'updatedAt'>> = Object.freeze({
  status: 'PENDING',
  failureCount: 0,
  statusCode: null,
  latencyMs: null,
  lastCheckAt: null,
  lastSuccessAt: null,
  statusChangedAt: null,
  lastError: '',
  hasSsl: false,
  certExpiresAt: null,
  sentSslWarning: false,
  sslWarnedExpiry: null,
  sslRenewalChecks: 0,
  lastAlertAt: null,
  pushMissedInWindow: false,
  pushFailedInWindow: false,
  pushAlertAtDeadline: false,
  legacyOutageKey: false,
  legacySslKey: false,
});

/** A site the engine has never seen checked: PENDING. */
export function initialState(site: EngineSite): LiveSiteState {
  return { siteId: site.id, name: site.name, type: site.type, parentId: site.parentId, paused: site.paused, ...PENDING_RUNTIME };
}

/** The state persisted before a restart (DESIGN decision 2), under the site's current configuration. */
export function restoredState(site: EngineSite, row: SiteRuntimeState): LiveSiteState {
  const { updatedAt, ...runtime } = row;
  return { ...initialState(site), ...runtime };
}

/** Carries a configuration change into the live state; the runtime fields are kept. */
export function withConfig(state: LiveSiteState, site: EngineSite): LiveSiteState {
  return { ...state, name: site.name, type: site.type, parentId: site.parentId, paused: site.paused };
}

/** The snapshot the writer upserts into SiteRuntimeState. */
export function runtimeStateWrite(s: LiveSiteState, now: Date): Write {
  const { name, type, parentId, paused, ...runtime } = s;
  return { kind: 'runtimeState', ...runtime, updatedAt: now };
}

/** Fields that move with every routine check; the check rows record them anyway. */
const VOLATILE_FIELDS: ReadonlySet<string> = new Set(['lastCheckAt', 'latencyMs', 'lastSuccessAt']);
const DURABLE_FIELDS = (Object.keys(PENDING_RUNTIME) as (keyof typeof PENDING_RUNTIME)[]).filter((key) => !VOLATILE_FIELDS.has(key));

/** `next` differs from `prev` in something a restart must not lose: status, retries counted, alert flags, errors. */
export function changesDurableState(prev: LiveSiteState, next: LiveSiteState): boolean {
  for (const key of DURABLE_FIELDS) {
    const a = prev[key];
    const b = next[key];
    if (a instanceof Date && b instanceof Date ? a.getTime() !== b.getTime() : a !== b) return true;
  }
  return false;
}
