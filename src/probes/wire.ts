import { z } from 'zod';
import { MAX_REDIRECTS } from '../engine/checks/redirect.ts';
import { MAX_LATENCY_MS } from '../engine/checks/result.ts';

/*
 * The probe endpoints' bodies, as the Go original's probes send and read them (§8 of the behaviour spec), so its probes
 * connect unchanged: snake_case requests, and assignments as Go `Site` structs with PascalCase keys. What uptop's own
 * probe sends beyond them is optional and ignored by Go; what it reads beyond them travels in `Uptop`, which Go ignores.
 * The server validates requests with these schemas, `uptop probe` validates the assignments it reads.
 */

/** A node id: a name such as `eu-west-1` or `probe1.example.com`, shown in results, logs and down reasons. */
export const nodeId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be 1 to 64 letters, digits, dots, colons, dashes or underscores, starting with a letter or digit');

const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);

/** POST /api/probe/register. Go sends `version: "probe"`; an absent name is the id. */
export const registerBody = z.object({
  id: nodeId,
  name: text(100).optional(),
  region: text(64).optional(),
  version: text(64).optional(),
});
export type RegisterBody = z.infer<typeof registerBody>;

const checkStatus = z.enum(['UP', 'DOWN', 'SSL_EXPIRED']);
const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/** One result: Go's four fields, then uptop's. */
const resultItem = z
  .object({
    site_id: z.number().int().positive(),
    /** Go sends 0 for a check that measured nothing. */
    latency_ns: z
      .number()
      .min(0)
      .max(MAX_LATENCY_MS * 1e6)
      .nullish(),
    is_up: z.boolean(),
    error_reason: z.string().nullish(),
    status: checkStatus.optional(),
    status_code: z.number().int().min(0).max(999).nullish(),
    checked_at: isoDate.optional(),
    has_ssl: z.boolean().optional(),
    cert_expires_at: isoDate.nullish(),
  })
  .refine((r) => r.status === undefined || (r.status === 'UP') === r.is_up, { message: 'status and is_up disagree', path: ['status'] });
export type ResultItem = z.input<typeof resultItem>;

/** POST /api/probe/results; Go sends `results: null` when it has none. */
export const resultsBody = z.object({
  node_id: nodeId,
  results: z
    .array(resultItem)
    .max(10_000, 'must hold at most 10000 results; send them in batches')
    .nullish()
    .transform((r) => r ?? []),
});
export type ResultsBody = z.output<typeof resultsBody>;

/** uptop's site fields the Go `SiteConfig` lacks and a check needs (the HTTP request's headers, body and credentials). */
export interface ProbeSiteExtras {
  /** The site's request headers as stored: a JSON object's text. */
  Headers: string | null;
  Body: string | null;
  AuthType: 'NONE' | 'BASIC' | 'BEARER';
  AuthUsername: string | null;
  AuthSecret: string | null;
  Keyword: string | null;
  KeywordInvert: boolean;
  /** Absent from an older server's list: its checks followed ten, as Go's client. */
  MaxRedirects?: number;
}

/**
 * A site as GET /api/probe/assignments lists it: the Go `SiteConfig` fields a check reads, and never a push token,
 * alert channel or state (the Go original sent whole `Site` structs, push tokens included).
 */
export const probeSite = z.object({
  ID: z.number().int().positive(),
  Name: z.string(),
  /** `http`, `ping`, `port` or `dns`. */
  Type: z.string(),
  URL: z.string(),
  Interval: z.number().int().positive(),
  Timeout: z.number().int().min(0),
  Method: z.string(),
  AcceptedCodes: z.string(),
  CheckSSL: z.boolean(),
  ExpiryThreshold: z.number().int(),
  MaxRetries: z.number().int(),
  Hostname: z.string(),
  Port: z.number().int(),
  DNSResolveType: z.string(),
  DNSServer: z.string(),
  IgnoreTLS: z.boolean(),
  Paused: z.boolean(),
  Regions: z.string(),
  Uptop: z
    .object({
      Headers: z.string().nullable(),
      Body: z.string().nullable(),
      AuthType: z.enum(['NONE', 'BASIC', 'BEARER']),
      AuthUsername: z.string().nullable(),
      AuthSecret: z.string().nullable(),
      Keyword: z.string().nullable(),
      KeywordInvert: z.boolean(),
      MaxRedirects: z.number().int().min(0).max(MAX_REDIRECTS).optional(),
    })
    .optional(),
}) satisfies z.ZodType<{ Uptop?: ProbeSiteExtras }>;
export type ProbeSite = z.infer<typeof probeSite>;

/** GET /api/probe/assignments answers this (Go encodes an empty list as null). */
export const assignmentsAnswer = z.object({ sites: z.array(z.unknown()).nullable() });
