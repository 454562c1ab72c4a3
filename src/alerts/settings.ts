import { z } from 'zod';
import type { AlertProvider } from '../generated/prisma/client.ts';
import type { AlertSettings } from './types.ts';

export interface SettingsIssue {
  /** `settings.<key>`, or `settings` for the whole object. */
  field: string;
  message: string;
}

export type SettingsValidation = { ok: true; settings: AlertSettings } | { ok: false; issues: SettingsIssue[] };

/** Settings are stored as strings (as in Go); JSON numbers and booleans are accepted and written as text. Blank means absent. */
function asSettingText(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && value.trim() === '') return undefined;
  return value;
}

const text = z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'expected a string') });

const httpUrl = text.trim().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'must be an absolute http(s) URL');

const wholeNumber = (min: number, max: number) =>
  text.trim().refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, `must be a whole number from ${min} to ${max}`);

const oneOf = (values: readonly string[]) => text.trim().refine((v) => values.includes(v), `must be one of ${values.join(', ')}`);

/** Goes into a URL path (the Telegram bot token), so it must not be able to change the path. */
const pathSegment = text.trim().regex(/^[^\s/?#]+$/, 'must not contain spaces, "/", "?" or "#"');

/** One bare address: it is both the header and the SMTP envelope, which takes exactly one recipient. */
const mailbox = text.trim().regex(/^[^\s@<>,;"()]+@[^\s@<>,;"()]+$/, 'must be a single e-mail address such as alerts@example.com');

const hostname = text.trim().regex(/^[^\s/]+$/, 'must be a host name or IP address');

const required = (schema: z.ZodType<string, string>) => z.preprocess(asSettingText, schema);
const optional = (schema: z.ZodType<string, string>) => z.preprocess(asSettingText, schema.optional());

const urlOnly = z.strictObject({ url: required(httpUrl) });

const SCHEMAS: Record<AlertProvider, z.ZodType<Record<string, string | undefined>>> = {
  DISCORD: urlOnly,
  SLACK: urlOnly,
  TEAMS: urlOnly,
  WEBHOOK: z.strictObject({ url: required(httpUrl), secret: optional(text) }),
  EMAIL: z.strictObject({
    host: required(hostname),
    port: optional(wholeNumber(1, 65535)),
    user: optional(text),
    pass: optional(text),
    from: required(mailbox),
    to: required(mailbox),
    tls_insecure: optional(oneOf(['true', 'false'])),
  }),
  NTFY: z
    .strictObject({
      url: required(httpUrl),
      topic: required(text.trim().regex(/^[-_A-Za-z0-9]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"')),
      priority: optional(oneOf(['1', '2', '3', '4', '5', 'min', 'low', 'default', 'high', 'max', 'urgent'])),
      username: optional(text),
      password: optional(text),
    })
    .superRefine((s, ctx) => {
      // Go sends basic auth only when both are set; one alone is a mistake that would silently send none.
      if (Boolean(s.username) !== Boolean(s.password)) {
        const missing = s.username ? 'password' : 'username';
        ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when the other credential is set' });
      }
    }),
  TELEGRAM: z.strictObject({
    token: required(pathSegment),
    chat_id: required(text.trim().regex(/^(-?\d+|@\w+)$/, 'must be a numeric chat id or an @channel name')),
  }),
  PAGERDUTY: z.strictObject({
    routing_key: required(text.trim()),
    severity: optional(oneOf(['critical', 'error', 'warning', 'info'])),
  }),
  PUSHOVER: z.strictObject({ token: required(text.trim()), user: required(text.trim()) }),
  GOTIFY: z.strictObject({ url: required(httpUrl), token: required(text.trim()), priority: optional(wholeNumber(0, 10)) }),
  OPSGENIE: z.strictObject({
    api_key: required(text.trim()),
    priority: optional(oneOf(['P1', 'P2', 'P3', 'P4', 'P5'])),
    eu: optional(oneOf(['true', 'false'])),
  }),
  MATRIX: z.strictObject({
    homeserver: required(httpUrl),
    access_token: required(text.trim()),
    // The send endpoint takes a room id; an alias (#room:server) would have to be resolved first.
    room_id: required(text.trim().regex(/^![^\s:]+:\S+$/, 'must be a room id such as !abc123:example.org')),
  }),
};

/**
 * Checks a channel's settings when it is created or updated. Returns the normalized settings
 * (trimmed text, numbers and booleans as strings, blank keys dropped) or one issue per bad key.
 */
export function validateAlertSettings(provider: AlertProvider, input: unknown): SettingsValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, issues: [{ field: 'settings', message: 'must be an object of provider settings' }] };
  }
  const parsed = SCHEMAS[provider].safeParse(input);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.flatMap((issue) => toIssues(provider, issue)) };
  const settings = Object.fromEntries(
    Object.entries(parsed.data).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return { ok: true, settings };
}

function toIssues(provider: AlertProvider, issue: z.core.$ZodIssue): SettingsIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: `settings.${key}`, message: `is not a ${provider} setting` }));
  }
  const field = issue.path.length ? `settings.${issue.path.map(String).join('.')}` : 'settings';
  return [{ field, message: issue.message }];
}
