import { z } from 'zod';
import { isStorableDate, STORABLE_DATE_RANGE } from '../db/sql-date.ts';
import { AlertProvider, MaintenanceType, MonitorType, Role } from '../generated/prisma/client.ts';
import { isKumaExport, KUMA_EXPORT_NOT_BACKUP } from './file-kind.ts';

/*
 * The backup file: the Go original's `Backup` (§1.1 of the behaviour spec), whose nested structs serialise with Go's
 * PascalCase field names and RFC 3339 times, so a backup taken from either implementation imports into the other.
 * What uptop has beyond the Go structs travels in one `Uptop` object per site, window and user, which Go ignores.
 */

/** uptop's site fields the Go `SiteConfig` lacks. */
export interface BackupSiteExtras {
  /** Every alert channel of the site (Go's `AlertID` holds only the first). */
  AlertIDs: number[];
  /** Values as stored: strings, or the numbers and booleans the API also takes. */
  Headers: HeaderValues | null;
  Body: string | null;
  AuthType: 'none' | 'basic' | 'bearer';
  AuthUsername: string;
  /** Basic-auth password or bearer token; `***REDACTED***` in a redacted export. */
  AuthSecret: string;
  Keyword: string;
  KeywordInvert: boolean;
  RenotifyMinutes: number;
  Public: boolean;
  /** Redirects an HTTP check follows (Go's client follows ten). */
  MaxRedirects: number;
}

export type HeaderValues = Record<string, string | number | boolean>;

/** When a row was created and last changed (RFC 3339), which the API shows and Go's structs lack. */
export interface BackupTimes {
  CreatedAt: string;
  UpdatedAt: string;
}

/** A site as exported: with its times, which a converted (Kuma) site has not. */
export interface ExportedSite extends BackupSite {
  Uptop: BackupSiteExtras & BackupTimes;
}

/** Go's `SiteConfig`, plus `Uptop`. */
export interface BackupSite {
  ID: number;
  Name: string;
  URL: string;
  /** `http`, `push`, `ping`, `port`, `dns`, `group`. */
  Type: string;
  /** The push token (push monitors), included even in a redacted export, as in Go. */
  Token: string;
  Interval: number;
  /** The first alert channel, 0 for none. */
  AlertID: number;
  CheckSSL: boolean;
  ExpiryThreshold: number;
  MaxRetries: number;
  Hostname: string;
  Port: number;
  Timeout: number;
  Method: string;
  Description: string;
  /** The group, 0 for top level. */
  ParentID: number;
  AcceptedCodes: string;
  DNSResolveType: string;
  DNSServer: string;
  IgnoreTLS: boolean;
  Paused: boolean;
  Regions: string;
  Uptop?: BackupSiteExtras;
}

/** Go's `AlertConfig`: `Type` is the lower-case provider name, `Settings` the provider's keys (the same in both). */
export interface BackupAlert {
  ID: number;
  Name: string;
  Type: string;
  Settings: Record<string, string>;
}

export interface ExportedAlert extends BackupAlert {
  Uptop: BackupTimes;
}

/** Go's `User` (SSH keys, role `admin` or `user`); uptop's role in `Uptop`. Password hashes are never exported. */
export interface BackupUser {
  ID: number;
  Username: string;
  PublicKey: string;
  Role: 'admin' | 'user';
  Uptop?: { Role: Role };
}

/** Go's `MaintenanceWindow`; `EndTime` is Go's zero time for an open-ended window. Recurrence is uptop's. */
export interface BackupWindow {
  ID: number;
  /** The site, 0 for every monitor. */
  MonitorID: number;
  Title: string;
  Description: string;
  Type: 'maintenance' | 'incident';
  StartTime: string;
  EndTime: string;
  CreatedBy: string;
  CreatedAt: string;
  Uptop?: { Recurrence: string; DurationMinutes: number; Timezone: string };
}

export interface Backup {
  sites: BackupSite[];
  alerts: BackupAlert[];
  /** null when users are left out (Go's import then keeps its users). */
  users: BackupUser[] | null;
  maintenance_windows: BackupWindow[];
}

/** How Go writes a `time.Time` that is not set. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export function goTime(date: Date | null): string {
  return date ? date.toISOString() : GO_ZERO_TIME;
}

/** Go's lower-case names of our enums (`HTTP` ↔ `http`, `PAGERDUTY` ↔ `pagerduty`, `INCIDENT` ↔ `incident`). */
export function goName(value: string): string {
  return value.toLowerCase();
}

/** The enum value a Go name stands for, or undefined when it names none. */
function fromGoName<T extends string>(values: Record<string, T>, name: string): T | undefined {
  const upper = name.trim().toUpperCase();
  return Object.values(values).find((v) => v === upper);
}

export const monitorTypeOf = (name: string) => fromGoName(MonitorType, name);
export const alertProviderOf = (name: string) => fromGoName(AlertProvider, name);
export const maintenanceTypeOf = (name: string) => fromGoName(MaintenanceType, name);

// ---------------------------------------------------------------- reading a backup

/**
 * Go leaves nothing out, but hand-written and older backups may: absent fields take the Go original's defaults.
 * Unknown keys are ignored, as Go ignores them, so a newer backup still imports.
 */
const id = z.number({ error: 'must be a number' }).int('must be a whole number').positive('must be a positive id');
const ref = z.number({ error: 'must be a number' }).int('must be a whole number').nonnegative('must be an id or 0');
const num = z.number({ error: 'must be a number' });
const str = z.string({ error: 'must be a string' });
const bool = z.boolean({ error: 'must be true or false' });
/** An object of the backup: a row, or its `Uptop` (zod's own message names JavaScript's types, not the file's). */
const object = <Shape extends z.core.$ZodLooseShape>(shape: Shape) => z.object(shape, { error: 'must be an object {...}' });
const list = <Item extends z.core.SomeType>(item: Item) => z.array(item, { error: 'must be a list [...]' });

/** RFC 3339 (Go's time.Time in JSON); Go's zero time and a blank or absent value read as null. */
const time = z
  .union([str, z.null()])
  .optional()
  .transform((value, ctx) => {
    if (!value || value.startsWith('0001-01-01')) return null;
    const parsed = z.iso.datetime({ offset: true }).safeParse(value);
    const date = new Date(value);
    if (!parsed.success || Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 time such as 2026-01-02T15:04:05Z' });
      return z.NEVER;
    }
    if (!isStorableDate(date)) {
      ctx.addIssue({ code: 'custom', message: STORABLE_DATE_RANGE });
      return z.NEVER;
    }
    return date;
  });

/** Both absent, as Go and Kuma backups have them, mean the time of the import. */
const times = { CreatedAt: time.optional(), UpdatedAt: time.optional() };

const siteExtrasSchema = object({
  AlertIDs: list(id).optional(),
  Headers: z
    .record(str, z.union([str, num, bool], { error: 'must be a string' }))
    .nullable()
    .default(null),
  Body: str.nullable().default(null),
  AuthType: z.enum(['none', 'basic', 'bearer'], { error: 'must be none, basic or bearer' }).default('none'),
  AuthUsername: str.default(''),
  AuthSecret: str.default(''),
  Keyword: str.default(''),
  KeywordInvert: bool.default(false),
  RenotifyMinutes: num.default(0),
  Public: bool.default(true),
  MaxRedirects: num.default(10),
  ...times,
});

export const siteSchema = object({
  ID: id,
  Name: str.default(''),
  URL: str.default(''),
  Type: str.default('http'),
  Token: str.default(''),
  Interval: num.default(0),
  AlertID: ref.default(0),
  CheckSSL: bool.default(false),
  ExpiryThreshold: num.default(7),
  MaxRetries: num.default(0),
  Hostname: str.default(''),
  Port: num.default(0),
  Timeout: num.default(0),
  Method: str.default(''),
  Description: str.default(''),
  ParentID: ref.default(0),
  AcceptedCodes: str.default(''),
  DNSResolveType: str.default(''),
  DNSServer: str.default(''),
  IgnoreTLS: bool.default(false),
  Paused: bool.default(false),
  Regions: str.default(''),
  Uptop: siteExtrasSchema.optional(),
});

const alertSchema = object({
  ID: id,
  Name: str.default(''),
  Type: str,
  // Go's map[string]string; numbers and booleans are read as text by the providers' schemas.
  Settings: z.record(str, z.union([str, num, bool], { error: 'must be a string' })).default({}),
  Uptop: object(times).optional(),
});

const userSchema = object({
  ID: id,
  Username: str,
  PublicKey: str.default(''),
  Role: str.default('user'),
  Uptop: object({ Role: z.enum(Role, { error: 'must be ADMIN, EDITOR or VIEWER' }) }).optional(),
});

const windowSchema = object({
  ID: id,
  MonitorID: ref.default(0),
  Title: str.default(''),
  Description: str.default(''),
  Type: str.default('maintenance'),
  StartTime: time,
  EndTime: time,
  CreatedBy: str.default(''),
  CreatedAt: time,
  Uptop: object({
    Recurrence: str.default(''),
    DurationMinutes: num.default(0),
    Timezone: str.default(''),
  }).optional(),
});

const BACKUP_SHAPE = 'must be a backup object {"sites": [...], "alerts": [...], "users": [...], "maintenance_windows": [...]}';

/**
 * A backup: an object with at least `sites` or `alerts`. One with neither (`{"Sites": ...}`, some other program's
 * JSON) is refused rather than read as an empty backup, which would replace every monitor with nothing. Each site is
 * read by `siteSchema` on its own (planImport does it in steps: a fleet's sites are too many for one piece).
 */
export const backupSchema = z
  .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { error: BACKUP_SHAPE })
  .refine((v) => !isKumaExport(v), { error: KUMA_EXPORT_NOT_BACKUP, abort: true })
  .refine((v) => 'sites' in v || 'alerts' in v, {
    error: 'has neither "sites" nor "alerts" (lower-case, as the Go original writes them): not a backup, and nothing was changed',
  })
  .pipe(
    z.object({
      sites: list(z.unknown()).nullable().default([]),
      alerts: list(alertSchema).nullable().default([]),
      users: list(userSchema).nullable().default(null),
      maintenance_windows: list(windowSchema).nullable().default([]),
    }),
  );

export type ParsedBackup = z.output<typeof backupSchema>;
export type ParsedSite = z.output<typeof siteSchema>;
export type ParsedAlert = z.output<typeof alertSchema>;
export type ParsedUser = z.output<typeof userSchema>;
export type ParsedWindow = z.output<typeof windowSchema>;
