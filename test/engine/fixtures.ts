import { PENDING_RUNTIME } from '../../src/engine/live-state.ts';
import type { LiveSiteState } from '../../src/engine/types.ts';

/** A live state for the pure engine functions: an unpaused HTTP site "api" never checked, then the given fields. */
export function liveState(over: Partial<LiveSiteState> = {}): LiveSiteState {
  return { siteId: 1, name: 'api', type: 'HTTP', parentId: null, paused: false, ...PENDING_RUNTIME, ...over };
}
