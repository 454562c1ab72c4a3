import { REDACTED, redactSettings } from '../alerts/redact.ts';
import type { AlertSettings } from '../alerts/types.ts';
import { readSiteRows, type SiteRow } from '../engine/sites.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { forEachInSteps, inSteps } from '../turns.ts';
import { goName, goTime, type Backup, type BackupTimes, type ExportedAlert, type ExportedSite, type HeaderValues } from './format.ts';

/**
 * Sites mapped, then serialised, per turn of the event loop: a few milliseconds of work each. The export of 10,000
 * sites in one piece held the event loop for 350–500 ms.
 */
export const SITES_PER_STEP = 1000;

export interface ExportOptions {
  /** Alert secrets (every setting not in the provider's `visibleKeys`), site auth secrets and header values become `***REDACTED***`. */
  redactSecrets: boolean;
  /** Users with their username and role; password hashes are never exported. */
  includeUsers: boolean;
}

function exportSite(site: SiteRow, deps: Pick<ServiceDeps, 'secretBox'>, redact: boolean): ExportedSite {
  const alertIds = site.alertChannels.map((link) => link.alertChannelId);
  const headers = site.httpHeaders === null ? null : (JSON.parse(site.httpHeaders) as HeaderValues);
  const secret = site.authSecret === null ? '' : redact ? REDACTED : deps.secretBox.open(site.authSecret);
  return {
    ID: site.id,
    Name: site.name,
    URL: site.url ?? '',
    Type: goName(site.type),
    Token: site.pushToken ?? '',
    Interval: site.interval,
    AlertID: alertIds[0] ?? 0,
    CheckSSL: site.checkSsl,
    ExpiryThreshold: site.expiryThreshold,
    MaxRetries: site.maxRetries,
    Hostname: site.hostname ?? '',
    Port: site.port ?? 0,
    Timeout: site.timeout,
    Method: site.method,
    Description: site.description,
    ParentID: site.parentId ?? 0,
    AcceptedCodes: site.acceptedCodes,
    DNSResolveType: site.dnsResolveType ?? '',
    DNSServer: site.dnsServer ?? '',
    IgnoreTLS: site.ignoreTls,
    Paused: site.paused,
    Regions: site.regions,
    Uptop: {
      AlertIDs: alertIds,
      // Header values often carry credentials (Authorization, API keys).
      Headers: headers && (redact ? Object.fromEntries(Object.keys(headers).map((name) => [name, REDACTED])) : headers),
      Body: site.httpBody,
      AuthType: site.authType.toLowerCase() as 'none' | 'basic' | 'bearer',
      AuthUsername: site.authUsername ?? '',
      AuthSecret: secret,
      Keyword: site.keyword ?? '',
      KeywordInvert: site.keywordInvert,
      RenotifyMinutes: site.renotifyMinutes,
      Public: site.public,
      MaxRedirects: site.maxRedirects,
      ...timesOf(site),
    },
  };
}

function timesOf(row: { createdAt: Date; updatedAt: Date }): BackupTimes {
  return { CreatedAt: goTime(row.createdAt), UpdatedAt: goTime(row.updatedAt) };
}

/**
 * The whole configuration as the Go original's `Backup` JSON (see format.ts), read through the readers' client, the
 * sites in steps (a page read per step, then SITES_PER_STEP mapped per step).
 */
export async function exportBackup(deps: Pick<ServiceDeps, 'db' | 'secretBox'>, options: ExportOptions): Promise<Backup> {
  const { db, secretBox } = deps;
  const [rows, channels, windows, users] = await Promise.all([
    readSiteRows(db),
    db.alertChannel.findMany({ orderBy: { id: 'asc' } }),
    db.maintenanceWindow.findMany({ orderBy: { id: 'asc' } }),
    options.includeUsers ? db.user.findMany({ orderBy: { id: 'asc' }, select: { id: true, username: true, role: true } }) : null,
  ]);
  const sites: ExportedSite[] = [];
  await forEachInSteps(rows, SITES_PER_STEP, (site) => sites.push(exportSite(site, deps, options.redactSecrets)));
  return {
    sites,
    alerts: channels.map((channel): ExportedAlert => {
      const settings = JSON.parse(secretBox.open(channel.settings)) as AlertSettings;
      return {
        ID: channel.id,
        Name: channel.name,
        Type: goName(channel.provider),
        Settings: options.redactSecrets ? redactSettings(channel.provider, settings) : settings,
        Uptop: timesOf(channel),
      };
    }),
    users:
      users?.map((user) => ({
        ID: user.id,
        Username: user.username,
        // uptop users sign in with passwords, not SSH keys.
        PublicKey: '',
        Role: user.role === 'ADMIN' ? 'admin' : 'user',
        Uptop: { Role: user.role },
      })) ?? null,
    maintenance_windows: windows.map((w) => ({
      ID: w.id,
      MonitorID: w.siteId ?? 0,
      Title: w.title,
      Description: w.description,
      Type: goName(w.type) as 'maintenance' | 'incident',
      StartTime: goTime(w.startsAt),
      EndTime: goTime(w.endsAt),
      CreatedBy: w.createdBy,
      CreatedAt: goTime(w.createdAt),
      ...(w.recurrence && { Uptop: { Recurrence: w.recurrence, DurationMinutes: w.durationMinutes ?? 0, Timezone: w.timezone ?? 'UTC' } }),
    })),
  };
}

/**
 * `JSON.stringify(backup)`, the sites serialised SITES_PER_STEP per step: those of 10,000 sites are 5 MB of JSON, tens
 * of milliseconds in one piece. `sites` must be the backup's first key, as it is in exportBackup's.
 */
export async function backupJson(backup: Backup): Promise<string> {
  const { sites, ...rest } = backup;
  const chunks: string[] = [];
  // Each slice's array without its brackets: the chunks joined with commas are the elements of the whole array.
  await inSteps(sites, SITES_PER_STEP, (slice) => chunks.push(JSON.stringify(slice).slice(1, -1)));
  return `{"sites":[${chunks.join(',')}],${JSON.stringify(rest).slice(1)}`;
}
