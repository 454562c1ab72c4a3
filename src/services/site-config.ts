import { z } from 'zod';
import { validateAcceptedCodes } from '../engine/checks/accepted-codes.ts';
import { DNS_RECORD_TYPES, parseServer } from '../engine/checks/dns.ts';
import { parseHttpHeaders } from '../engine/checks/http-headers.ts';
import { MAX_REDIRECTS } from '../engine/checks/redirect.ts';
import { targetHost } from '../engine/checks/target.ts';
import { HttpAuthType, MonitorType } from '../generated/prisma/client.ts';
import { ValidationError, type FieldIssue } from './errors.ts';
import { fieldIssuesOf, hasNoControlCharacters, hasNoNul, nameText, NO_CONTROL_CHARACTERS, NO_NUL } from './validate.ts';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
/** 31 days: a monthly push job still fits. That is beyond one Node timer (24.8 days); the clock chains such delays. */
export const MAX_INTERVAL_SECONDS = 31 * 24 * 3600;

const whole = (min: number, max: number, unit = '') =>
  z.number({ error: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}${unit}`).max(max, `must be at most ${max}${unit}`);

/** Trimmed; blank becomes null so "clear this field" has one spelling. */
const optionalText = (max = 2048) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine(hasNoNul, NO_NUL)
    .nullable()
    .transform((s) => (s ? s : null));

/** Every configurable field of a site, each optional; null clears a nullable column. */
export const siteFieldsSchema = z.strictObject({
  name: nameText(200),
  type: z.enum(MonitorType),
  url: optionalText().refine((u) => u === null || hasNoControlCharacters(u), NO_CONTROL_CHARACTERS),
  hostname: optionalText(253).refine((h) => h === null || /^[^\s/\p{Cc}]+$/u.test(h), 'must be a host name or IP address'),
  port: whole(1, 65535).nullable(),
  interval: whole(5, MAX_INTERVAL_SECONDS, ' seconds'),
  timeout: whole(1, 300, ' seconds'),
  maxRetries: whole(0, 100),
  method: z
    .string()
    .trim()
    .toUpperCase()
    .refine((m) => (HTTP_METHODS as readonly string[]).includes(m), `must be one of ${HTTP_METHODS.join(', ')}`),
  acceptedCodes: z
    .string()
    .trim()
    .superRefine((spec, ctx) => {
      const problem = validateAcceptedCodes(spec);
      if (problem) ctx.addIssue({ code: 'custom', message: problem.replace(/^acceptedCodes: /, '') });
    }),
  checkSsl: z.boolean(),
  expiryThreshold: whole(0, 3650, ' days'),
  ignoreTls: z.boolean(),
  maxRedirects: whole(0, MAX_REDIRECTS),
  dnsResolveType: optionalText(8)
    .transform((t) => t?.toUpperCase() ?? null)
    .refine((t) => t === null || (DNS_RECORD_TYPES as readonly string[]).includes(t), `must be one of ${DNS_RECORD_TYPES.join(', ')}`),
  dnsServer: optionalText(260).refine((s) => s === null || parseServer(s) !== null, 'must be host, host:port or [IPv6]:port'),
  paused: z.boolean(),
  description: z.string().max(10_000, 'must be at most 10000 characters').refine(hasNoNul, NO_NUL),
  regions: z.string().trim().max(1000, 'must be at most 1000 characters').refine(hasNoNul, NO_NUL),
  public: z.boolean(),
  httpHeaders: z
    // Values are checked here, before the record is serialized: a deeply nested one would overflow JSON.stringify.
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string' }))
    .nullable()
    .transform((headers, ctx) => {
      if (headers === null || Object.keys(headers).length === 0) return null;
      const text = JSON.stringify(headers);
      const parsed = parseHttpHeaders(text);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.message.replace(/^httpHeaders:? ?/, '') });
        return z.NEVER;
      }
      return text;
    }),
  httpBody: z
    .string()
    .max(1024 * 1024, 'must be at most 1 MiB')
    .refine(hasNoNul, NO_NUL)
    .nullable(),
  authType: z.enum(HttpAuthType),
  authUsername: optionalText(256),
  authSecret: z.string().max(4096, 'must be at most 4096 characters').refine(hasNoNul, NO_NUL).nullable(),
  keyword: optionalText(1024),
  keywordInvert: z.boolean(),
  renotifyMinutes: whole(0, 525_600, ' minutes'),
  parentId: z.number().int().positive().nullable(),
  alertChannelIds: z.array(z.number().int().positive()).max(100, 'at most 100 channels'),
});

export type SiteFieldsInput = z.input<typeof siteFieldsSchema>;
export type SiteFields = z.output<typeof siteFieldsSchema>;
/** A site's whole configuration after defaults and the update are applied (channels are handled apart). */
export type SiteConfig = Omit<SiteFields, 'alertChannelIds'>;

/** The Go original's defaults (API.md: interval 60, timeout 5, GET, 200-299, threshold 7, no retries). */
export const SITE_DEFAULTS: Omit<SiteConfig, 'name' | 'type'> = {
  url: null,
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
  maxRedirects: MAX_REDIRECTS,
  dnsResolveType: null,
  dnsServer: null,
  paused: false,
  description: '',
  regions: '',
  public: true,
  httpHeaders: null,
  httpBody: null,
  authType: 'NONE',
  authUsername: null,
  authSecret: null,
  keyword: null,
  keywordInvert: false,
  renotifyMinutes: 0,
  parentId: null,
};

const NOT_NULL: ReadonlySet<string> = new Set(
  Object.entries(siteFieldsSchema.shape)
    .filter(([, schema]) => !schema.safeParse(null).success)
    .map(([name]) => name),
);

// Built once: zod compiles a schema when first used, about a millisecond for this one, which every call paid.
const partialSiteFields = siteFieldsSchema.partial();

/**
 * The fields present in `input` (undefined = absent) laid over `base`, the defaults or a site's current configuration,
 * checked field by field and then across fields (an HTTP monitor's URL, a PORT monitor's port, ...). Every problem of
 * both kinds is in the one ValidationError: the fields that passed are still checked across, so a bad interval does
 * not hide a missing URL until it is fixed. An explicit null on a field that cannot be empty is refused rather than
 * read as "unchanged", so a client's mistake is not silently ignored.
 */
export function siteConfigOf(base: Partial<SiteConfig>, input: Record<string, unknown>): { fields: Partial<SiteFields>; config: SiteConfig } {
  const present: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (value === null && NOT_NULL.has(key)) issues.push({ field: key, message: 'must not be null' });
    else present[key] = value;
  }
  let parsed = partialSiteFields.safeParse(present);
  if (!parsed.success) {
    issues.push(...fieldIssuesOf(parsed.error));
    const refused = new Set(parsed.error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys : [String(issue.path[0])])));
    parsed = partialSiteFields.safeParse(Object.fromEntries(Object.entries(present).filter(([key]) => !refused.has(key))));
  }
  const fields = parsed.data ?? {};
  const { alertChannelIds: _links, ...own } = fields;
  const config = { ...base, ...own } as SiteConfig;
  const named = new Set(issues.map((issue) => issue.field.split('.')[0]));
  issues.push(...siteConfigIssues(config).filter((issue) => !named.has(issue.field)));
  if (issues.length) throw ValidationError.of(issues);
  return { fields, config };
}

/**
 * An http(s) URL written as one: a URL parser also reads `http:user:pw@host` or `http:\\host` as one, but text in
 * those forms kept its credentials from the masking a VIEWER's reads go through.
 */
function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Rules across fields of the resulting configuration; the checks on other rows (parent, channels) are the service's. */
function siteConfigIssues(config: SiteConfig): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const issue = (field: string, message: string) => issues.push({ field, message });
  for (const field of ['name', 'type'] as const) if (config[field] === undefined) issue(field, 'is required');
  switch (config.type) {
    case 'HTTP':
      if (!config.url) issue('url', 'an HTTP monitor needs a URL');
      else if (!isHttpUrl(config.url)) issue('url', 'must be an absolute http:// or https:// URL');
      break;
    case 'PORT':
    case 'PING':
    case 'DNS':
      if (config.type === 'PORT' && config.port === null) issue('port', 'a PORT monitor needs a port (1-65535)');
      if (!targetHost(config)) issue('hostname', `a ${config.type} monitor needs a hostname`);
      break;
    case 'GROUP':
      if (config.parentId !== null) issue('parentId', 'a group cannot be inside another group');
      break;
    case 'PUSH':
      break;
  }
  if (config.authType !== 'NONE' && !config.authSecret) {
    issue('authSecret', `${config.authType === 'BASIC' ? 'basic auth needs a password' : 'bearer auth needs a token'}`);
  }
  if (config.authType === 'BASIC' && !config.authUsername) issue('authUsername', 'basic auth needs a username');
  return issues;
}
