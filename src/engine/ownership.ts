import type { ClusterStatus } from './types.ts';

/**
 * Which sites this engine checks. One instance checks every site; in a cluster (src/cluster) each instance checks the
 * sites of the slots it leases and keeps the others in its registry only to answer reads.
 */
export interface SiteOwnership {
  owns(siteId: number): boolean;
  /** The cluster's view, for the engine's status; absent for a single instance. */
  status?(): ClusterStatus;
}

export const OWNS_EVERY_SITE: SiteOwnership = { owns: () => true };
