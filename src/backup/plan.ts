import type { z } from 'zod';
import { REDACTED } from '../alerts/redact.ts';
import type { AlertSettings } from '../alerts/types.ts';
import { RecurrenceError } from '../engine/errors.ts';
import { validateRecurrence } from '../engine/maintenance.ts';
import type { AlertProvider, MaintenanceType, Role } from '../generated/prisma/client.ts';
import { channelName, checkSettings } from '../services/alert-channels.ts';
import { ValidationError, type FieldIssue } from '../services/errors.ts';
import { SITE_DEFAULTS, type SiteConfig, siteConfigOf } from '../services/site-config.ts';
import { newPushToken } from '../services/sites.ts';
import { parseOrThrow } from '../services/validate.ts';
import { forEachInSteps } from '../turns.ts';
import {
  alertProviderOf,
  backupSchema,
  maintenanceTypeOf,
  monitorTypeOf,
  type ParsedAlert,
  type ParsedSite,
  type ParsedUser,
  type ParsedWindow,
  siteSchema,
} from './format.ts';

/**
 * Sites read and planned per turn of the event loop: about 10 ms of work, planSite running the API's checks (some
 * 30 µs a site). The 10,000 sites of a backup planned in one piece held the event loop for 400 ms.
 */
export const SITES_PLANNED_PER_STEP = 250;

/** What an import writes, every row checked: nothing in it refers to anything outside it. */
export interface ImportPlan {
  channels: PlannedChannel[];
  sites: PlannedSite[];
  windows: PlannedWindow[];
  /** null: the users are left as they are. */
  users: { username: string; role: Role }[] | null;
}

/** When the row was created and last changed; null (a Go or Kuma backup) is the time of the import. */
export interface PlannedTimes {
  createdAt: Date | null;
  updatedAt: Date | null;
}

export interface PlannedChannel extends PlannedTimes {
  id: number;
  name: string;
  provider: AlertProvider;
  settings: AlertSettings;
}

export interface PlannedSite extends PlannedTimes {
  id: number;
  config: SiteConfig;
  pushToken: string | null;
  alertChannelIds: number[];
}

export interface PlannedWindow {
  id: number;
  title: string;
  description: string;
  type: MaintenanceType;
  siteId: number | null;
  startsAt: Date;
  endsAt: Date | null;
  recurrence: string | null;
  durationMinutes: number | null;
  timezone: string | null;
  createdBy: string;
  createdAt: Date;
}

/**
 * Push tokens are used in URLs (`/api/push/<token>`). Ours are 32 hex characters; Kuma's are 32 letters and digits by
 * default but configurable, so any run of URL-safe characters is kept as long as it is unique.
 */
export const PUSH_TOKEN = /^[A-Za-z0-9._~-]{1,128}$/;

/** A redacted export is not a restore: each value it could not restore is named. */
const REDACTED_VALUE = 'is redacted; import a backup exported with ?redact_secrets=false';

/** Our field names, as the Go backup spells them, so an error names the key the file has. */
const GO_FIELDS: Record<string, string> = {
  name: 'Name',
  type: 'Type',
  url: 'URL',
  hostname: 'Hostname',
  port: 'Port',
  interval: 'Interval',
  timeout: 'Timeout',
  maxRetries: 'MaxRetries',
  method: 'Method',
  acceptedCodes: 'AcceptedCodes',
  checkSsl: 'CheckSSL',
  expiryThreshold: 'ExpiryThreshold',
  ignoreTls: 'IgnoreTLS',
  dnsResolveType: 'DNSResolveType',
  dnsServer: 'DNSServer',
  paused: 'Paused',
  description: 'Description',
  regions: 'Regions',
  parentId: 'ParentID',
  public: 'Uptop.Public',
  httpHeaders: 'Uptop.Headers',
  httpBody: 'Uptop.Body',
  authType: 'Uptop.AuthType',
  authUsername: 'Uptop.AuthUsername',
  authSecret: 'Uptop.AuthSecret',
  keyword: 'Uptop.Keyword',
  keywordInvert: 'Uptop.KeywordInvert',
  renotifyMinutes: 'Uptop.RenotifyMinutes',
  maxRedirects: 'Uptop.MaxRedirects',
};

function issuesOf(err: unknown, rename: (field: string) => string = (f) => f): FieldIssue[] {
  if (!(err instanceof ValidationError)) throw err;
  return err.issues.map((issue) => ({ field: rename(issue.field), message: issue.message }));
}

const goField = (field: string) => GO_FIELDS[field.split('.')[0] ?? ''] ?? field;

function plannedTimes(times: { CreatedAt?: Date | null; UpdatedAt?: Date | null } | undefined): PlannedTimes {
  return { createdAt: times?.CreatedAt ?? null, updatedAt: times?.UpdatedAt ?? null };
}

/**
 * One site of a backup as uptop's configuration, checked by the same rules as the API's (`siteConfigOf`); the issues
 * name the backup's keys. References to other rows are the caller's to check.
 */
export function planSite(site: ParsedSite): { site: PlannedSite; issues?: undefined } | { issues: FieldIssue[] } {
  const type = monitorTypeOf(site.Type);
  if (!type) return { issues: [{ field: 'Type', message: `unknown monitor type "${site.Type}" (http, push, ping, port, dns, group)` }] };
  const extras = site.Uptop;
  const redacted = [
    ...(extras?.AuthSecret === REDACTED ? ['Uptop.AuthSecret'] : []),
    ...Object.entries(extras?.Headers ?? {})
      .filter(([, value]) => value === REDACTED)
      .map(([name]) => `Uptop.Headers.${name}`),
  ];
  if (redacted.length) return { issues: redacted.map((field) => ({ field, message: REDACTED_VALUE })) };
  let config: SiteConfig;
  try {
    // Go writes its zero values where a field is unset; those take the defaults the Go original applies.
    ({ config } = siteConfigOf(SITE_DEFAULTS, {
      name: site.Name,
      type,
      url: site.URL || null,
      hostname: site.Hostname || null,
      port: site.Port || null,
      interval: site.Interval || SITE_DEFAULTS.interval,
      timeout: site.Timeout || SITE_DEFAULTS.timeout,
      maxRetries: site.MaxRetries,
      method: site.Method || SITE_DEFAULTS.method,
      acceptedCodes: site.AcceptedCodes || SITE_DEFAULTS.acceptedCodes,
      checkSsl: site.CheckSSL,
      expiryThreshold: site.ExpiryThreshold,
      ignoreTls: site.IgnoreTLS,
      dnsResolveType: site.DNSResolveType || null,
      dnsServer: site.DNSServer || null,
      paused: site.Paused,
      description: site.Description,
      regions: site.Regions,
      parentId: site.ParentID || null,
      ...(extras && {
        public: extras.Public,
        httpHeaders: extras.Headers,
        httpBody: extras.Body,
        authType: extras.AuthType.toUpperCase(),
        authUsername: extras.AuthUsername || null,
        authSecret: extras.AuthSecret || null,
        keyword: extras.Keyword || null,
        keywordInvert: extras.KeywordInvert,
        renotifyMinutes: extras.RenotifyMinutes,
        maxRedirects: extras.MaxRedirects,
      }),
    }));
  } catch (err) {
    return { issues: issuesOf(err, goField) };
  }
  let pushToken: string | null = null;
  if (type === 'PUSH') {
    pushToken = site.Token.trim() || newPushToken();
    if (!PUSH_TOKEN.test(pushToken)) return { issues: [{ field: 'Token', message: 'must be 1 to 128 letters, digits, ".", "_", "~" or "-"' }] };
  }
  const alertChannelIds = extras?.AlertIDs ?? (site.AlertID ? [site.AlertID] : []);
  return {
    site: { id: site.ID, config, pushToken, alertChannelIds: [...new Set(alertChannelIds)], ...plannedTimes(extras) },
  };
}

/**
 * One alert channel of a backup, checked as the API checks one (`channelName`, `checkSettings`: the provider's schema
 * and `maxSettingBytes` a value).
 */
export function planChannel(alert: ParsedAlert, maxSettingBytes = Infinity): { channel: PlannedChannel; issues?: undefined } | { issues: FieldIssue[] } {
  const provider = alertProviderOf(alert.Type);
  if (!provider) return { issues: [{ field: 'Type', message: `unknown alert type "${alert.Type}"` }] };
  const redacted = Object.entries(alert.Settings).filter(([, value]) => value === REDACTED);
  if (redacted.length) return { issues: redacted.map(([key]) => ({ field: `Settings.${key}`, message: REDACTED_VALUE })) };
  try {
    const name = parseOrThrow(channelName, alert.Name, 'Name');
    return { channel: { id: alert.ID, name, provider, settings: checkSettings(provider, alert.Settings, maxSettingBytes), ...plannedTimes(alert.Uptop) } };
  } catch (err) {
    return { issues: issuesOf(err, (field) => field.replace(/^settings/, 'Settings')) };
  }
}

function planWindow(w: ParsedWindow, now: Date): { window: PlannedWindow; issues?: undefined } | { issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const type = maintenanceTypeOf(w.Type);
  if (!type) issues.push({ field: 'Type', message: 'must be maintenance or incident' });
  const title = w.Title.trim();
  if (!title || title.length > 200) issues.push({ field: 'Title', message: 'must be 1 to 200 characters' });
  if (w.Description.length > 10_000) issues.push({ field: 'Description', message: 'must be at most 10000 characters' });
  if (!w.StartTime) issues.push({ field: 'StartTime', message: 'is required' });
  // A window ended before it began (ended while scheduled) has its end at its start.
  if (w.StartTime && w.EndTime && w.EndTime < w.StartTime) issues.push({ field: 'EndTime', message: 'must not be before StartTime' });
  const recurrence = w.Uptop?.Recurrence.trim() || null;
  const durationMinutes = recurrence ? (w.Uptop?.DurationMinutes ?? null) : null;
  const timezone = recurrence ? w.Uptop?.Timezone.trim() || 'UTC' : null;
  if (recurrence) {
    try {
      validateRecurrence(recurrence, durationMinutes, timezone);
    } catch (err) {
      if (!(err instanceof RecurrenceError)) throw err;
      issues.push({ field: `Uptop.${err.field[0]!.toUpperCase()}${err.field.slice(1)}`, message: err.message });
    }
  }
  if (issues.length || !type || !w.StartTime) return { issues };
  return {
    window: {
      id: w.ID,
      title,
      description: w.Description,
      type,
      siteId: w.MonitorID || null,
      startsAt: w.StartTime,
      endsAt: w.EndTime,
      recurrence,
      durationMinutes,
      timezone,
      createdBy: w.CreatedBy,
      createdAt: w.CreatedAt ?? now,
    },
  };
}

function planUser(u: ParsedUser): { user: { username: string; role: Role }; issues?: undefined } | { issues: FieldIssue[] } {
  const username = u.Username.trim();
  // The rule of the users service (services/users.ts), so an imported user can be managed like any other.
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(username)) {
    return { issues: [{ field: 'Username', message: 'must be 1 to 64 letters, digits, ".", "_", "@" or "-"' }] };
  }
  // Go's `user` role is not an administrator; without uptop's own role it gets the least: VIEWER.
  const role = u.Uptop?.Role ?? (u.Role === 'admin' ? 'ADMIN' : 'VIEWER');
  return { user: { username, role } };
}

/** `sites[2] (ID 7, "web")`: where a row is, and which it is. */
function label(list: string, index: number, row: { ID?: unknown; Name?: unknown; Title?: unknown; Username?: unknown }): string {
  const name = row.Name ?? row.Title ?? row.Username;
  return `${list}[${index}] (ID ${String(row.ID)}${typeof name === 'string' && name ? `, "${name}"` : ''})`;
}

function duplicates<T>(rows: readonly T[], key: (row: T) => string | number | null): number[] {
  const seen = new Set<string | number>();
  const dupes: number[] = [];
  rows.forEach((row, i) => {
    const k = key(row);
    if (k === null) return;
    if (seen.has(k)) dupes.push(i);
    seen.add(k);
  });
  return dupes;
}

/** The issues of the backup's schemas, each naming its row by list index, id and name: `sites[2] (ID 7, "web").Interval`. */
function schemaError(json: unknown, issues: readonly z.core.$ZodIssue[]): ValidationError {
  const raw = json as Record<string, unknown[]> | null;
  return ValidationError.of(
    issues.map((issue) => {
      const [list, index, ...rest] = issue.path;
      const row = typeof list === 'string' && typeof index === 'number' ? raw?.[list]?.[index] : undefined;
      if (row && typeof row === 'object')
        return { field: [label(list as string, index as number, row), ...rest.map(String)].join('.'), message: issue.message };
      // A row that is not an object has no id or name to show: `sites[0]`, as the rows' labels begin.
      if (typeof index === 'number') return { field: [`${String(list)}[${index}]`, ...rest.map(String)].join('.'), message: issue.message };
      return { field: issue.path.map(String).join('.') || 'backup', message: issue.message };
    }),
  );
}

/**
 * Each site of the backup read by `siteSchema` and planned, SITES_PLANNED_PER_STEP per step; the issues' paths are the
 * backup's. Taken from the JSON itself, not from `backupSchema`'s result, so that a site's issues are found beside
 * the rest of the backup's, as they were when one schema read it all.
 */
async function readSites(json: unknown) {
  const list = (json as { sites?: unknown } | null)?.sites;
  const parsed: ParsedSite[] = [];
  const planned: ReturnType<typeof planSite>[] = [];
  const issues: z.core.$ZodIssue[] = [];
  await forEachInSteps(Array.isArray(list) ? list : [], SITES_PLANNED_PER_STEP, (raw, i) => {
    const site = siteSchema.safeParse(raw);
    if (!site.success) for (const issue of site.error.issues) issues.push({ ...issue, path: ['sites', i, ...issue.path] });
    else {
      parsed.push(site.data);
      planned.push(planSite(site.data));
    }
  });
  return { parsed, planned, issues };
}

/**
 * Reads and checks a whole backup: every row by the API's own rules, then every reference (a parent is a group of the
 * backup, an alert channel and a window's site exist in it) and every uniqueness (ids, push tokens, usernames). Throws
 * one ValidationError listing every problem, each naming the row by list index, id and name, and the key. The sites
 * are read and planned in steps (readSites); what follows is a few passes over plain values.
 */
export async function planImport(json: unknown, options: { now: Date; includeUsers: boolean; maxSettingBytes: number }): Promise<ImportPlan> {
  const { now, includeUsers } = options;
  const parsed = backupSchema.safeParse(json);
  const read = await readSites(json);
  // Listed as one parse of the whole backup lists them: its first key, the sites, before the rest.
  if (!parsed.success || read.issues.length) throw schemaError(json, [...read.issues, ...(parsed.error?.issues ?? [])]);
  const backup = parsed.data;
  const sitesIn = read.parsed;
  const alertsIn = backup.alerts ?? [];
  const windowsIn = backup.maintenance_windows ?? [];
  const usersIn = includeUsers ? backup.users : null;

  const issues: FieldIssue[] = [];
  const at = (where: string, list: FieldIssue[]) => list.forEach((i) => issues.push({ field: `${where}.${i.field}`, message: i.message }));

  const channels: PlannedChannel[] = [];
  alertsIn.forEach((alert, i) => {
    const planned = planChannel(alert, options.maxSettingBytes);
    if (planned.issues) at(label('alerts', i, alert), planned.issues);
    else channels.push(planned.channel);
  });
  for (const i of duplicates(alertsIn, (a) => a.ID)) issues.push({ field: `${label('alerts', i, alertsIn[i]!)}.ID`, message: 'is used by another alert' });

  const sites: PlannedSite[] = [];
  sitesIn.forEach((site, i) => {
    const planned = read.planned[i]!;
    if (planned.issues) at(label('sites', i, site), planned.issues);
    else sites.push(planned.site);
  });
  for (const i of duplicates(sitesIn, (s) => s.ID)) issues.push({ field: `${label('sites', i, sitesIn[i]!)}.ID`, message: 'is used by another site' });
  // The backup's site of each id (the last of a repeated one), its label made only for an issue: a fleet's are many.
  const siteIndex = new Map(sitesIn.map((s, i) => [s.ID, i]));
  const siteOf = (id: number) => sitesIn[siteIndex.get(id)!]!;
  const siteLabel = (id: number) => label('sites', siteIndex.get(id)!, siteOf(id));
  for (const i of duplicates(sites, (s) => s.pushToken)) {
    issues.push({ field: `${siteLabel(sites[i]!.id)}.Token`, message: 'is the push token of another site' });
  }

  const alertIds = new Set(alertsIn.map((a) => a.ID));
  for (const site of sites) {
    const parentId = site.config.parentId;
    if (parentId !== null) {
      const field = `${siteLabel(site.id)}.ParentID`;
      if (parentId === site.id) issues.push({ field, message: 'a site cannot be its own parent' });
      else if (!siteIndex.has(parentId)) issues.push({ field, message: `no site with ID ${parentId} in the backup` });
      else if (monitorTypeOf(siteOf(parentId).Type) !== 'GROUP') issues.push({ field, message: `site ${parentId} is not a group` });
    }
    const unknown = site.alertChannelIds.filter((id) => !alertIds.has(id));
    const { AlertID: goAlert, Uptop: extras } = siteOf(site.id);
    if (unknown.length) {
      const key = extras?.AlertIDs ? 'Uptop.AlertIDs' : 'AlertID';
      issues.push({ field: `${siteLabel(site.id)}.${key}`, message: `no alert with ID ${unknown.join(', ')} in the backup` });
    }
    // Uptop.AlertIDs decides; Go's AlertID, which Go tools read and may have edited, must still agree with it.
    if (extras?.AlertIDs && goAlert !== 0 && goAlert !== extras.AlertIDs[0]) {
      const message = alertIds.has(goAlert)
        ? `is not the first of Uptop.AlertIDs (${extras.AlertIDs.join(', ') || 'none'})`
        : `no alert with ID ${goAlert} in the backup`;
      issues.push({ field: `${siteLabel(site.id)}.AlertID`, message });
    }
  }

  const windows: PlannedWindow[] = [];
  windowsIn.forEach((w, i) => {
    const where = label('maintenance_windows', i, w);
    const planned = planWindow(w, now);
    if (planned.issues) at(where, planned.issues);
    else {
      if (planned.window.siteId !== null && !siteIndex.has(planned.window.siteId)) {
        issues.push({ field: `${where}.MonitorID`, message: `no site with ID ${planned.window.siteId} in the backup` });
      }
      windows.push(planned.window);
    }
  });
  for (const i of duplicates(windowsIn, (w) => w.ID)) {
    issues.push({ field: `${label('maintenance_windows', i, windowsIn[i]!)}.ID`, message: 'is used by another window' });
  }

  let users: ImportPlan['users'] = null;
  if (usersIn) {
    users = [];
    for (const [i, u] of usersIn.entries()) {
      const planned = planUser(u);
      if (planned.issues) at(label('users', i, u), planned.issues);
      else users.push(planned.user);
    }
    for (const i of duplicates(users, (u) => u.username)) issues.push({ field: `users[${i}].Username`, message: 'is used by another user' });
  }

  if (issues.length) throw ValidationError.of(issues);
  return { channels, sites, windows, users };
}
