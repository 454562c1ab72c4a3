import type { SiteRuntimeState } from '../generated/prisma/client.ts';
import type { Write } from '../writer/types.ts';
import type { EngineSite } from './sites.ts';
import type { LiveSiteState } from './types.ts';

/** A site the engine has never seen checked: PENDING. */
export function initialState(site: EngineSite): LiveSiteState {
  return {
    siteId: site.id,
    name: site.name,
    type: site.type,
    parentId: site.parentId,
    paused: site.paused,
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
    lastAlertAt: null,
  };
}

/** The state persisted before a restart (DESIGN decision 2), under the site's current configuration. */
export function restoredState(site: EngineSite, row: SiteRuntimeState): LiveSiteState {
  return {
    ...initialState(site),
    status: row.status,
    failureCount: row.failureCount,
    statusCode: row.statusCode,
    latencyMs: row.latencyMs,
    lastCheckAt: row.lastCheckAt,
    lastSuccessAt: row.lastSuccessAt,
    statusChangedAt: row.statusChangedAt,
    lastError: row.lastError,
    hasSsl: row.hasSsl,
    certExpiresAt: row.certExpiresAt,
    sentSslWarning: row.sentSslWarning,
    lastAlertAt: row.lastAlertAt,
  };
}

/** Carries a configuration change into the live state; the runtime fields are kept. */
export function withConfig(state: LiveSiteState, site: EngineSite): LiveSiteState {
  return { ...state, name: site.name, type: site.type, parentId: site.parentId, paused: site.paused };
}

/** The snapshot the writer upserts into SiteRuntimeState. */
export function runtimeStateWrite(s: LiveSiteState, now: Date): Write {
  return {
    kind: 'runtimeState',
    siteId: s.siteId,
    status: s.status,
    failureCount: s.failureCount,
    statusCode: s.statusCode,
    latencyMs: s.latencyMs,
    lastCheckAt: s.lastCheckAt,
    lastSuccessAt: s.lastSuccessAt,
    statusChangedAt: s.statusChangedAt,
    lastError: s.lastError,
    hasSsl: s.hasSsl,
    certExpiresAt: s.certExpiresAt,
    sentSslWarning: s.sentSslWarning,
    lastAlertAt: s.lastAlertAt,
    updatedAt: now,
  };
}
