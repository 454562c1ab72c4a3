import { PENDING_RUNTIME } from '../../src/engine/live-state.ts';
import type { EngineSite } from '../../src/engine/sites.ts';
import type { LiveSiteState } from '../../src/engine/types.ts';

/** A live state for the pure engine functions: an unpaused HTTP site "api" never checked, then the given fields. */
export function liveState(over: Partial<LiveSiteState> = {}): LiveSiteState {
  return { siteId: 1, name: 'api', type: 'HTTP', parentId: null, paused: false, ...PENDING_RUNTIME, ...over };
}

/** A site as the engine loads it, for the pure engine parts: HTTP site 1 "api" with the schema's defaults, then the given fields. */
export function engineSite(over: Partial<EngineSite> = {}): EngineSite {
  const at = new Date(Date.UTC(2026, 0, 1));
  return {
    id: 1,
    name: 'api',
    type: 'HTTP',
    url: 'http://127.0.0.1/',
    hostname: null,
    port: null,
    interval: 60,
    timeout: 5,
    maxRetries: 0,
    method: 'GET',
    acceptedCodes: '200-299',
    checkSsl: false,
    expiryThreshold: 7,
    ignoreTls: false,
    dnsResolveType: null,
    dnsServer: null,
    paused: false,
    description: '',
    regions: '',
    pushToken: null,
    httpHeaders: null,
    httpBody: null,
    authType: 'NONE',
    authUsername: null,
    authSecret: null,
    keyword: null,
    keywordInvert: false,
    renotifyMinutes: 0,
    parentId: null,
    createdAt: at,
    updatedAt: at,
    channelIds: [],
    configError: null,
    ...over,
  };
}
