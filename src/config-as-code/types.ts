import type { AlertSettings } from '../alerts/types.ts';
import type { AlertProvider } from '../generated/prisma/client.ts';
import type { WindowFields } from '../services/maintenance.ts';
import type { SiteConfig } from '../services/site-config.ts';

export interface ConfigAlert {
  name: string;
  provider: AlertProvider;
  /** Normalized by the provider's schema, as the API stores them. */
  settings: AlertSettings;
}

export interface ConfigMonitor {
  name: string;
  /** Every field with the defaults applied; `parentId` is always null here, the group is `parent`. */
  config: SiteConfig;
  /** The name of its group, null at top level. */
  parent: string | null;
  /** Names of alerts of the same file, without repeats. */
  alerts: string[];
}

export interface ConfigWindow extends Omit<WindowFields, 'siteId'> {
  /** The name of a monitor of the same file; null covers every monitor. */
  monitor: string | null;
}

/** A validated config file: every name it uses is defined in it. Groups come before their children. */
export interface ParsedConfig {
  fileName: string;
  alerts: ConfigAlert[];
  monitors: ConfigMonitor[];
  maintenance: ConfigWindow[];
}

export type PlanAction = 'create' | 'update' | 'delete';
export type PlanKind = 'alert' | 'monitor' | 'maintenance';

/** One row the apply writes; `changes` names the file's fields an update changes (secret values are never shown). */
export interface PlanChange {
  action: PlanAction;
  kind: PlanKind;
  name: string;
  changes?: string[];
}

export interface Plan {
  changes: PlanChange[];
  /** `2 to create, 1 to update, 0 to delete`, or `No changes`. */
  summary: string;
}
