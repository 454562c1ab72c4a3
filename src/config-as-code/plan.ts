import { isDeepStrictEqual } from 'node:util';
import type { SecretBox } from '../alerts/crypto.ts';
import type { AlertSettings } from '../alerts/types.ts';
import { readSiteRows, type SiteRow } from '../engine/sites.ts';
import type { AlertChannel, HttpAuthType, MaintenanceWindow } from '../generated/prisma/client.ts';
import type { ServiceDeps } from '../services/deps.ts';
import type { SiteConfig } from '../services/site-config.ts';
import { forEachInSteps } from '../turns.ts';
import type { Tx } from '../writer/types.ts';
import { SITE_KEYS, type SiteKey } from './file-schema.ts';
import type { ConfigAlert, ConfigMonitor, ConfigWindow, ParsedConfig, Plan, PlanAction, PlanChange } from './types.ts';

/** The reading client or a writer transaction: the plan of an apply is made inside its transaction. */
export type Reader = Pick<Tx, 'site' | 'alertChannel' | 'maintenanceWindow'>;

export type { SiteRow };

/** What the database holds of what a config file describes. */
export interface Current {
  sites: SiteRow[];
  channels: AlertChannel[];
  windows: MaintenanceWindow[];
}

/**
 * Monitors checked, compared or exported per turn of the event loop (`turns`): a few milliseconds of the costliest of
 * these, a monitor's validation by the API's rules. Over 10,000 monitors each of them held the event loop for 100 ms
 * to half a second in one piece.
 */
export const MONITORS_PER_STEP = 200;

/**
 * The sites are read a page per step: Prisma maps a page's rows in one piece, and all 10,000 sites in one read held
 * the event loop for half a second. Alert channels and windows are few, and read whole.
 */
export async function loadCurrent(reader: Reader): Promise<Current> {
  const [sites, channels, windows] = await Promise.all([
    readSiteRows(reader),
    reader.alertChannel.findMany({ orderBy: { id: 'asc' } }),
    reader.maintenanceWindow.findMany({ orderBy: { id: 'asc' } }),
  ]);
  return { sites, channels, windows };
}

/** One change with what the apply needs to make it: the matched row's id (null for a create) and the wanted state. */
export type Step =
  | (PlanChange & { kind: 'alert'; id: number | null; alert: ConfigAlert | null })
  | (PlanChange & { kind: 'monitor'; id: number | null; monitor: ConfigMonitor | null; row: SiteRow | null })
  | (PlanChange & { kind: 'maintenance'; id: number | null; window: ConfigWindow | null });

export interface Diff {
  steps: Step[];
  /** The ids of the rows matched by name: references of the file resolve to them, or to rows the apply creates. */
  channelIds: ReadonlyMap<string, number>;
  siteIds: ReadonlyMap<string, number>;
}

export interface DiffOptions {
  prune: boolean;
  /** Windows that ended before this are history: one the database no longer has (retention) is not created again. */
  now: Date;
  secretBox: SecretBox;
}

/** Rows by name, matched as the Go original does; of several rows with one name, the oldest is the match. */
function byName<T extends { id: number }>(rows: T[], nameOf: (row: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const row of rows) if (!map.has(nameOf(row))) map.set(nameOf(row), row);
  return map;
}

function settingsChanges(stored: AlertSettings, wanted: AlertSettings): string[] {
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(wanted)])].sort();
  return keys.filter((key) => stored[key] !== wanted[key]).map((key) => `settings.${key}`);
}

/** Headers are compared as objects: the same headers written in another order are no change. */
function sameSiteValue(field: keyof SiteConfig, stored: unknown, wanted: unknown): boolean {
  if (field === 'httpHeaders') return isDeepStrictEqual(stored ? JSON.parse(stored as string) : null, wanted ? JSON.parse(wanted as string) : null);
  return stored === wanted;
}

/**
 * The credentials a check sends (engine/checks/http.ts): no username for bearer, nothing without auth. The API keeps
 * those it does not send (auth switched off keeps them for switching it on again); a file cannot write them, so
 * they are no change, and an apply that leaves the auth as it is leaves them too.
 */
function sentAuth(type: HttpAuthType, username: string | null, secret: string | null) {
  return { type, username: type === 'BASIC' ? username : null, secret: type === 'NONE' ? null : secret };
}

function monitorChanges(row: SiteRow, monitor: ConfigMonitor, diff: Pick<Diff, 'siteIds' | 'channelIds'>, secretBox: SecretBox): string[] {
  const config = monitor.config;
  const changes: string[] = [];
  if (row.type !== config.type) changes.push('type');
  for (const [key, field] of Object.entries(SITE_KEYS) as [SiteKey, keyof SiteConfig][]) {
    if (!sameSiteValue(field, row[field], config[field])) changes.push(key);
  }
  const secret = row.authSecret === null ? null : secretBox.open(row.authSecret);
  if (!isDeepStrictEqual(sentAuth(row.authType, row.authUsername, secret), sentAuth(config.authType, config.authUsername, config.authSecret))) {
    changes.push('auth');
  }
  // A group the apply creates has no id yet: the child moves into it.
  const parentId = monitor.parent === null ? null : (diff.siteIds.get(monitor.parent) ?? -1);
  if (row.parentId !== parentId) changes.push('parent');
  const linked = row.alertChannels.map((link) => link.alertChannelId).sort((a, b) => a - b);
  const wanted = monitor.alerts.map((name) => diff.channelIds.get(name) ?? -1).sort((a, b) => a - b);
  if (!isDeepStrictEqual(linked, wanted)) changes.push('alerts');
  return changes;
}

/** A recurring window's timezone is stored as UTC when none is given (maintenance service). */
const effectiveTimezone = (w: Pick<ConfigWindow, 'recurrence' | 'timezone'>) => (w.recurrence ? (w.timezone ?? 'UTC') : null);
const time = (d: Date | null) => d?.getTime() ?? null;

function windowChanges(row: MaintenanceWindow, w: ConfigWindow, siteIds: ReadonlyMap<string, number>): string[] {
  const siteId = w.monitor === null ? null : (siteIds.get(w.monitor) ?? -1);
  const checks: [string, boolean][] = [
    ['type', row.type === w.type],
    ['monitor', row.siteId === siteId],
    ['description', row.description === w.description],
    // Without starts_at the window started when it was first applied: that is no change.
    ['starts_at', w.startsAt === null || time(row.startsAt) === time(w.startsAt)],
    ['ends_at', time(row.endsAt) === time(w.endsAt)],
    ['recurrence', row.recurrence === w.recurrence],
    ['duration_minutes', row.durationMinutes === w.durationMinutes],
    ['timezone', row.timezone === effectiveTimezone(w)],
  ];
  return checks.filter(([, same]) => !same).map(([name]) => name);
}

/**
 * Compares a parsed file with the database by name; with `prune`, what the file does not name is deleted. The
 * monitors are compared MONITORS_PER_STEP per step.
 */
export async function diffConfig(current: Current, parsed: ParsedConfig, options: DiffOptions): Promise<Diff> {
  const { secretBox } = options;
  const channels = byName(current.channels, (c) => c.name);
  const sites = byName(current.sites, (s) => s.name);
  const windows = byName(current.windows, (w) => w.title);
  const channelIds = new Map([...channels].map(([name, row]) => [name, row.id]));
  const siteIds = new Map([...sites].map(([name, row]) => [name, row.id]));
  const steps: Step[] = [];
  const pruned = <T extends { id: number }>(rows: T[], kept: Map<string, T>) => {
    const keptIds = new Set([...kept.values()].map((row) => row.id));
    return options.prune ? rows.filter((row) => !keptIds.has(row.id)) : [];
  };

  const fileAlerts = new Map(parsed.alerts.map((a) => [a.name, a]));
  for (const alert of parsed.alerts) {
    const row = channels.get(alert.name);
    if (!row) {
      steps.push({ action: 'create', kind: 'alert', name: alert.name, id: null, alert });
      continue;
    }
    const stored = JSON.parse(secretBox.open(row.settings)) as AlertSettings;
    const changes = [...(row.provider === alert.provider ? [] : ['type']), ...settingsChanges(stored, alert.settings)];
    if (changes.length) steps.push({ action: 'update', kind: 'alert', name: alert.name, changes, id: row.id, alert });
  }
  const keptChannels = new Map([...channels].filter(([name]) => fileAlerts.has(name)));
  for (const row of pruned(current.channels, keptChannels)) steps.push({ action: 'delete', kind: 'alert', name: row.name, id: row.id, alert: null });

  const fileMonitors = new Set(parsed.monitors.map((m) => m.name));
  await forEachInSteps(parsed.monitors, MONITORS_PER_STEP, (monitor) => {
    const row = sites.get(monitor.name);
    if (!row) {
      steps.push({ action: 'create', kind: 'monitor', name: monitor.name, id: null, monitor, row: null });
      return;
    }
    const changes = monitorChanges(row, monitor, { siteIds, channelIds }, secretBox);
    if (changes.length) steps.push({ action: 'update', kind: 'monitor', name: monitor.name, changes, id: row.id, monitor, row });
  });
  const keptSites = new Map([...sites].filter(([name]) => fileMonitors.has(name)));
  // Children before their groups, as the Go original prunes.
  const prunedSites = pruned(current.sites, keptSites).sort((a, b) => Number(a.parentId === null) - Number(b.parentId === null));
  for (const row of prunedSites) steps.push({ action: 'delete', kind: 'monitor', name: row.name, id: row.id, monitor: null, row });

  const fileWindows = new Set(parsed.maintenance.map((w) => w.title));
  for (const w of parsed.maintenance) {
    const row = windows.get(w.title);
    if (!row) {
      if (w.endsAt === null || w.endsAt.getTime() > options.now.getTime())
        steps.push({ action: 'create', kind: 'maintenance', name: w.title, id: null, window: w });
      continue;
    }
    const changes = windowChanges(row, w, siteIds);
    if (changes.length) steps.push({ action: 'update', kind: 'maintenance', name: w.title, changes, id: row.id, window: w });
  }
  const keptWindows = new Map([...windows].filter(([title]) => fileWindows.has(title)));
  for (const row of pruned(current.windows, keptWindows)) steps.push({ action: 'delete', kind: 'maintenance', name: row.title, id: row.id, window: null });

  return { steps, channelIds, siteIds };
}

/** The plan as callers see it: each change without the rows behind it, and the summary. */
export function planOf(steps: readonly Step[]): Plan {
  const changes = steps.map(({ action, kind, name, changes: fields }): PlanChange => ({ action, kind, name, ...(fields && { changes: fields }) }));
  const count = (action: PlanAction) => changes.filter((c) => c.action === action).length;
  const summary = changes.length ? `${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete` : 'No changes';
  return { changes, summary };
}

/** What applying `parsed` would change now, read from the database (the plan of a dry run). */
export async function planConfig(
  deps: Pick<ServiceDeps, 'db' | 'clock' | 'secretBox'>,
  parsed: ParsedConfig,
  options: { prune?: boolean } = {},
): Promise<Plan> {
  const current = await loadCurrent(deps.db);
  return planOf((await diffConfig(current, parsed, { prune: options.prune ?? false, now: deps.clock.now(), secretBox: deps.secretBox })).steps);
}
