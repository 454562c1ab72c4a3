import { PENDING_RUNTIME } from '../../src/engine/live-state.ts';
import type { EngineSite } from '../../src/engine/sites.ts';
import type { LiveSiteState } from '../../src/engine/types.ts';
import { SITE_DEFAULTS } from '../../src/services/site-config.ts';

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
    ...SITE_DEFAULTS,
    url: 'http://127.0.0.1/',
    pushToken: null,
    createdAt: at,
    updatedAt: at,
    channelIds: [],
    configError: null,
    ...over,
  };
}
