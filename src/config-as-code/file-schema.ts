import { z } from 'zod';
import { isStorableDate, STORABLE_DATE_RANGE } from '../db/sql-date.ts';
import { AlertProvider, HttpAuthType, MaintenanceType, MonitorType } from '../generated/prisma/client.ts';
import type { SiteConfig } from '../services/site-config.ts';

/*
 * The shape of uptop.yaml: the Go original's format (snake_case keys, lower-case types, `alerts:` and `monitors:` with
 * a group's children nested under it) extended with every uptop field. Only the structure is checked here; the rules
 * for values are the API's own (site-config.ts, the providers' settings, the maintenance service).
 */

/** File keys of a monitor that are plain site fields, in the order an export writes them. */
export const SITE_KEYS = {
  url: 'url',
  hostname: 'hostname',
  port: 'port',
  interval: 'interval',
  timeout: 'timeout',
  max_retries: 'maxRetries',
  method: 'method',
  accepted_codes: 'acceptedCodes',
  check_ssl: 'checkSsl',
  expiry_threshold: 'expiryThreshold',
  ignore_tls: 'ignoreTls',
  max_redirects: 'maxRedirects',
  dns_resolve_type: 'dnsResolveType',
  dns_server: 'dnsServer',
  headers: 'httpHeaders',
  body: 'httpBody',
  keyword: 'keyword',
  keyword_invert: 'keywordInvert',
  renotify_minutes: 'renotifyMinutes',
  regions: 'regions',
  paused: 'paused',
  public: 'public',
  description: 'description',
} as const satisfies Record<string, keyof SiteConfig>;

export type SiteKey = keyof typeof SITE_KEYS;

/**
 * Zero values the Go original reads as "use the default" (its YAML cannot tell 0 from absent): `expiry_threshold: 0`
 * is 7 days, an empty method GET, empty accepted codes 200-299, and a zero timeout or port none set.
 */
export const GO_ZERO_DEFAULTS: Partial<Record<SiteKey, unknown>> = { expiry_threshold: 0, method: '', accepted_codes: '', timeout: 0, port: 0 };

/** The file's key for a site field, for messages about it. */
export const FILE_KEY_OF: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(SITE_KEYS).map(([file, field]) => [field, file]));

const requiredText = z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') });

/** `http`, `discord`, `maintenance`: the enum in lower case, as the Go original writes it (upper case is accepted too). */
function lowerEnum<T extends string>(values: Record<string, T>) {
  const names = Object.values(values);
  return requiredText.transform((s, ctx) => {
    const upper = s.trim().toUpperCase();
    if ((names as string[]).includes(upper)) return upper as T;
    ctx.addIssue({ code: 'custom', message: `must be one of ${names.map((n) => n.toLowerCase()).join(', ')}` });
    return z.NEVER;
  });
}

/** `key:` with nothing after it is YAML's null; in a config file it means "not set", as leaving the key out does. */
function withoutNulls(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

const mapping = <T extends z.ZodRawShape>(shape: T) =>
  z.preprocess(withoutNulls, z.strictObject(shape, { error: (issue) => (issue.code === 'invalid_type' ? 'must be a mapping of keys to values' : undefined) }));
const list = <T extends z.ZodType>(item: T) => z.array(item, { error: 'must be a list' });

const alertSchema = mapping({
  name: requiredText,
  type: lowerEnum(AlertProvider),
  settings: z.record(z.string(), z.unknown(), { error: 'must be a mapping of setting names to values' }).optional(),
});

const authSchema = mapping({
  type: lowerEnum(Object.fromEntries(Object.entries(HttpAuthType).filter(([, v]) => v !== 'NONE')) as Record<string, 'BASIC' | 'BEARER'>),
  username: z.string().optional(),
  password: z.string().optional(),
  token: z.string().optional(),
}).superRefine((auth, ctx) => {
  const misplaced = auth.type === 'BASIC' ? (['token'] as const) : (['username', 'password'] as const);
  for (const key of misplaced) {
    if (auth[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `is not used by ${auth.type.toLowerCase()} auth` });
  }
});

export type FileAuth = z.output<typeof authSchema>;

/** Site values stay `unknown` here: parseSiteFields checks them with the API's rules. */
const siteValues = Object.fromEntries(Object.keys(SITE_KEYS).map((key) => [key, z.unknown().optional()])) as Record<SiteKey, z.ZodOptional<z.ZodUnknown>>;

export interface FileMonitor extends Partial<Record<SiteKey, unknown>> {
  name: string;
  type: MonitorType;
  alert?: string;
  alerts?: string[];
  auth?: FileAuth;
  /** Checked one by one, as the file's own lists are. */
  monitors?: unknown[];
}

const monitorSchema: z.ZodType<FileMonitor, unknown> = mapping({
  name: requiredText,
  type: lowerEnum(MonitorType),
  ...siteValues,
  alert: z.string().optional(),
  alerts: list(z.string()).optional(),
  auth: authSchema.optional(),
  monitors: list(z.unknown()).optional(),
});

const timestamp = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-12-01T02:00:00Z' })
  .transform((s) => new Date(s))
  .refine(isStorableDate, STORABLE_DATE_RANGE);

const windowSchema = mapping({
  title: requiredText,
  type: lowerEnum(MaintenanceType).optional(),
  monitor: z.string().optional(),
  description: z.string().optional(),
  starts_at: timestamp.optional(),
  ends_at: timestamp.optional(),
  recurrence: z.string().optional(),
  duration_minutes: z.number().optional(),
  timezone: z.string().optional(),
});

export type FileWindow = z.output<typeof windowSchema>;

/** The file's keys of a maintenance window's fields, for messages about them. */
export const WINDOW_FILE_KEY_OF: Readonly<Record<string, string>> = {
  startsAt: 'starts_at',
  endsAt: 'ends_at',
  durationMinutes: 'duration_minutes',
};

/**
 * The file's top level. Its lists are checked item by item (`ITEM_SCHEMAS`), so a mistake in one monitor does not
 * hide the problems of the others.
 */
export const fileSchema = z.preprocess(
  (value) => value ?? {},
  mapping({
    alerts: list(z.unknown()).optional(),
    monitors: list(z.unknown()).optional(),
    maintenance: list(z.unknown()).optional(),
  }),
);

export type FileAlert = z.output<typeof alertSchema>;

export const ITEM_SCHEMAS = { alerts: alertSchema, monitors: monitorSchema, maintenance: windowSchema };
