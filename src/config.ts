import net from 'node:net';
import parseDuration from 'parse-duration';
import { z } from 'zod';
import { alertEndpointsFromEnv } from './alerts/providers/registry.ts';
import type { AlertEndpoints } from './alerts/types.ts';
import { MAX_TIMER_DELAY_MS } from './clock.ts';
import { storeFor } from './db/store.ts';
import { DEFAULT_DATABASE_URL } from './db/url.ts';
import { AGG_STRATEGIES, type AggStrategy } from './engine/probe-results.ts';

/**
 * The longest duration a setting takes. Sessions, retentions and windows are added to or taken from now, and a Date
 * holds only about 275,000 years either way: `UPTOP_SESSION_TTL=1000000000d` started, then failed every login.
 */
const MAX_DURATION_MS = 100 * 365.25 * 24 * 3600_000;

/** A duration such as `72h`, `7d`, `1h30m` or `90s`, as milliseconds; a bare number has no unit and is refused. */
export const duration = z.string().transform((raw, ctx) => {
  const ms = /[a-z]/i.test(raw) ? parseDuration(raw) : null;
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `expected a positive duration such as 72h, 7d or 15m (got "${raw}")` });
    return z.NEVER;
  }
  if (ms > MAX_DURATION_MS) {
    ctx.addIssue({ code: 'custom', message: `must be at most 100 years (got "${raw}")` });
    return z.NEVER;
  }
  return ms;
});

/** A duration handed to Node's own timers (sockets, AbortSignal.timeout), which fire at once past their limit. */
const timerDuration = duration.pipe(
  z.number().max(MAX_TIMER_DELAY_MS, `must be at most 24d (Node's timers wait at most ${MAX_TIMER_DELAY_MS} ms, about 24.8 days)`),
);

const bool = z.enum(['true', 'false', '1', '0', '']).transform((v) => v === 'true' || v === '1');

const int = (min: number, max: number) =>
  z.string().regex(/^\d+$/, `expected a whole number from ${min} to ${max}`).transform(Number).pipe(z.number().int().min(min).max(max));

const trustedProxies = z.string().transform((raw, ctx) => {
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of list) {
    const [ip, bits] = entry.split('/');
    const family = net.isIP(ip ?? '');
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
      ctx.addIssue({ code: 'custom', message: `expected a comma list of IPs or CIDRs (bad entry "${entry}")` });
      return z.NEVER;
    }
  }
  return list;
});

const hexKey = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters (a 32-byte key)')
  .optional();

const databaseUrl = z.string().superRefine((url, ctx) => {
  try {
    storeFor(url);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** A comma list of origins (`https://app.example`, `http://localhost:3000`), lower-cased; the raw text stays available. */
const corsOrigins = z.string().superRefine((raw, ctx) => {
  for (const entry of originList(raw)) {
    let origin: string | null = null;
    try {
      origin = new URL(entry).origin;
    } catch {
      // reported below
    }
    if (origin !== entry) ctx.addIssue({ code: 'custom', message: `expected a comma list of origins such as https://app.example (bad entry "${entry}")` });
  }
});

function originList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** Where the instances of one installation exchange events and revocations: a `redis://` or `rediss://` (TLS) URL. */
const redisUrl = z.string().superRefine((raw, ctx) => {
  let protocol: string | null = null;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:')
    ctx.addIssue({ code: 'custom', message: 'expected a redis:// or rediss:// URL such as redis://redis:6379' });
});

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Every setting, by environment variable name, with the Go original's defaults where it has one. */
const envSchema = z.object({
  DATABASE_URL: databaseUrl.default(DEFAULT_DATABASE_URL),
  UPTOP_HTTP_PORT: int(0, 65535).default(8080),
  UPTOP_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  UPTOP_TLS_CERT: z.string().optional(),
  UPTOP_TLS_KEY: z.string().optional(),
  UPTOP_ALLOW_PRIVATE_TARGETS: bool.default(false),
  UPTOP_INSECURE_SKIP_VERIFY: bool.default(false),
  UPTOP_MAINT_RETENTION: duration.default(7 * 24 * 3600 * 1000),
  UPTOP_ENCRYPTION_KEY: hexKey,
  UPTOP_STATUS_ENABLED: bool.default(false),
  UPTOP_STATUS_TITLE: z.string().default('System Status'),
  UPTOP_METRICS_PUBLIC: bool.default(false),
  UPTOP_CORS_ORIGIN: corsOrigins.optional(),
  UPTOP_TRUSTED_PROXIES: trustedProxies.default([]),
  UPTOP_ADMIN_USER: z.string().min(1).optional(),
  UPTOP_ADMIN_PASSWORD: z.string().min(8, 'expected at least 8 characters').optional(),
  UPTOP_PUSH_RATE_LIMIT: int(0, 1_000_000).default(60),
  UPTOP_REDIS_URL: redisUrl.optional(),
  UPTOP_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'expected 1-100 letters, digits, dots, dashes, underscores or colons')
    .optional(),
  LOG_LEVEL: logLevel.default('info'),
  // Writer
  UPTOP_QUEUE_SIZE: int(1, 10_000_000).default(4096),
  UPTOP_WRITE_BATCH: int(1, 100_000).default(2000),
  UPTOP_RETAIN_CHECKS: int(1, 10_000_000).default(1000),
  UPTOP_RETAIN_STATE_CHANGES: int(1, 10_000_000).default(5000),
  UPTOP_RETAIN_LOGS: int(1, 10_000_000).default(200),
  UPTOP_RETAIN_MINUTES: duration.default(48 * 3600 * 1000),
  UPTOP_RETAIN_HOURS: duration.default(90 * 24 * 3600 * 1000),
  UPTOP_RETAIN_DAYS: duration.default(2 * 365 * 24 * 3600 * 1000),
  UPTOP_PRUNE_INTERVAL: duration.default(10 * 60 * 1000),
  UPTOP_MAINT_PRUNE_INTERVAL: duration.default(15 * 60 * 1000),
  // Engine
  UPTOP_CHECK_CONCURRENCY: int(1, 10_000).default(200),
  UPTOP_RECONCILE_INTERVAL: duration.default(30 * 1000),
  UPTOP_ALERT_TIMEOUT: duration.default(30 * 1000),
  UPTOP_ALERT_HTTP_TIMEOUT: timerDuration.default(10 * 1000),
  UPTOP_AGG_STRATEGY: z.enum(AGG_STRATEGIES).default('any-down'),
  // GraphQL
  UPTOP_GRAPHIQL: bool.default(true),
  UPTOP_INTROSPECTION: bool.default(true),
  UPTOP_MAX_DEPTH: int(1, 100).default(12),
  // graphql-armor weighs each level 1.5 times the one above: a 100-site dashboard with uptime, p95 and recent checks costs ~6,000.
  UPTOP_MAX_COST: int(1, 1_000_000).default(20_000),
  UPTOP_MAX_ALIASES: int(1, 1000).default(15),
  UPTOP_MAX_TOKENS: int(1, 1_000_000).default(2000),
  // Lists multiply (result-size.ts): the console's dashboard counts ~33,000 objects; sites, their channels, those channels' sites and theirs, ~10^10.
  UPTOP_MAX_RESULT_SIZE: int(1, 1_000_000_000).default(10_000_000),
  UPTOP_BODY_LIMIT: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
  UPTOP_SESSION_TTL: duration.default(30 * 24 * 3600 * 1000),
  UPTOP_LOGIN_RATE_LIMIT: int(1, 100_000).default(10),
  // Limits per user and client, so one of them cannot exhaust the server for everyone
  UPTOP_LOGIN_USER_RATE_LIMIT: int(1, 100_000).default(10),
  UPTOP_MAX_SETTING_BYTES: int(64, 1024 * 1024).default(4096),
  UPTOP_MAX_SUBSCRIPTION_SITES: int(1, 1_000_000).default(1000),
  UPTOP_WS_PER_IP: int(1, 1_000_000).default(200),
  UPTOP_WS_PER_USER: int(1, 1_000_000).default(50),
  UPTOP_SSE_PER_USER: int(1, 1_000_000).default(20),
  UPTOP_SESSIONS_PER_USER: int(1, 100_000).default(100),
  UPTOP_API_TOKENS_PER_USER: int(1, 100_000).default(100),
  // Alert providers declare the variables of their fixed endpoints themselves: alertEndpointsFromEnv reads them.
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface Config {
  databaseUrl: string;
  /** Redis shared by several instances (UPTOP_REDIS_URL); absent, events stay in this process. */
  redisUrl?: string;
  /** This instance's name among several on one PostgreSQL (UPTOP_INSTANCE_ID); by default host name and process id. */
  instanceId?: string;
  /** `corsOrigins`: the other origins whose browser pages may call the API (UPTOP_CORS_ORIGIN). */
  http: { port: number; host: string; tlsCert?: string; tlsKey?: string; corsOrigins: string[] };
  checks: { allowPrivateTargets: boolean; insecureSkipVerify: boolean; concurrency: number };
  engine: { reconcileIntervalMs: number; alertTimeoutMs: number; alertHttpTimeoutMs: number };
  /** How the regional probes' results of a site make its verdict (UPTOP_AGG_STRATEGY). */
  probes: { aggStrategy: AggStrategy };
  writer: {
    queueSize: number;
    batchSize: number;
    retainChecks: number;
    retainStateChanges: number;
    retainLogs: number;
    /** How long each rollup level keeps its buckets. */
    retainRollupsMs: { minute: number; hour: number; day: number };
    pruneIntervalMs: number;
    maintenanceRetentionMs: number;
    maintenancePruneIntervalMs: number;
  };
  encryptionKey?: Buffer;
  status: { enabled: boolean; title: string; corsOrigin?: string };
  metricsPublic: boolean;
  trustedProxies: string[];
  admin?: { username: string; password: string };
  pushRateLimitPerMinute: number;
  loginRateLimitPerMinute: number;
  limits: {
    /** Failed password checks per username and minute (login, changePassword). */
    loginFailuresPerUserPerMinute: number;
    /** Bytes of one alert channel setting value. */
    settingValueBytes: number;
    /** `siteIds` of one subscription. */
    subscriptionSiteIds: number;
    /** Open graphql-ws connections per client IP, and per signed-in user. */
    wsPerIp: number;
    wsPerUser: number;
    /** Open SSE streams per signed-in user. */
    ssePerUser: number;
    /** Sessions per user (a new login ends the least recently used beyond it), and API tokens per user. */
    sessionsPerUser: number;
    apiTokensPerUser: number;
  };
  sessionTtlMs: number;
  logLevel: z.infer<typeof logLevel>;
  graphql: {
    graphiql: boolean;
    introspection: boolean;
    maxDepth: number;
    maxCost: number;
    maxAliases: number;
    maxTokens: number;
    /** The most objects one operation may be able to return, counting each list at the page it asks for (result-size.ts). */
    maxResultSize: number;
    bodyLimitBytes: number;
  };
  /** Overridable for self-hosted gateways and tests. */
  alertEndpoints: AlertEndpoints;
}

/** Reads and validates every setting; a bad value throws a ConfigError naming the variable and what it expected. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in a blank line of a .env file.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  const endpoints = alertEndpointsFromEnv.safeParse(present);
  if (!parsed.success || !endpoints.success) {
    const zodIssues = [...(parsed.error?.issues ?? []), ...(endpoints.error?.issues ?? [])];
    throw new ConfigError(zodIssues.map((i) => ({ variable: String(i.path[0]), message: i.message })));
  }
  const e = parsed.data;
  const issues: { variable: string; message: string }[] = [];
  if (Boolean(e.UPTOP_TLS_CERT) !== Boolean(e.UPTOP_TLS_KEY)) {
    issues.push({ variable: e.UPTOP_TLS_CERT ? 'UPTOP_TLS_KEY' : 'UPTOP_TLS_CERT', message: 'set both UPTOP_TLS_CERT and UPTOP_TLS_KEY, or neither' });
  }
  if (Boolean(e.UPTOP_ADMIN_USER) !== Boolean(e.UPTOP_ADMIN_PASSWORD)) {
    issues.push({
      variable: e.UPTOP_ADMIN_USER ? 'UPTOP_ADMIN_PASSWORD' : 'UPTOP_ADMIN_USER',
      message: 'set both UPTOP_ADMIN_USER and UPTOP_ADMIN_PASSWORD, or neither',
    });
  }
  if (issues.length) throw new ConfigError(issues);

  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.UPTOP_REDIS_URL,
    instanceId: e.UPTOP_INSTANCE_ID,
    http: {
      port: e.UPTOP_HTTP_PORT,
      host: e.UPTOP_HTTP_HOST,
      tlsCert: e.UPTOP_TLS_CERT,
      tlsKey: e.UPTOP_TLS_KEY,
      corsOrigins: originList(e.UPTOP_CORS_ORIGIN),
    },
    checks: {
      allowPrivateTargets: e.UPTOP_ALLOW_PRIVATE_TARGETS,
      insecureSkipVerify: e.UPTOP_INSECURE_SKIP_VERIFY,
      concurrency: e.UPTOP_CHECK_CONCURRENCY,
    },
    engine: {
      reconcileIntervalMs: e.UPTOP_RECONCILE_INTERVAL,
      alertTimeoutMs: e.UPTOP_ALERT_TIMEOUT,
      alertHttpTimeoutMs: e.UPTOP_ALERT_HTTP_TIMEOUT,
    },
    probes: { aggStrategy: e.UPTOP_AGG_STRATEGY },
    writer: {
      queueSize: e.UPTOP_QUEUE_SIZE,
      batchSize: e.UPTOP_WRITE_BATCH,
      retainChecks: e.UPTOP_RETAIN_CHECKS,
      retainStateChanges: e.UPTOP_RETAIN_STATE_CHANGES,
      retainLogs: e.UPTOP_RETAIN_LOGS,
      retainRollupsMs: { minute: e.UPTOP_RETAIN_MINUTES, hour: e.UPTOP_RETAIN_HOURS, day: e.UPTOP_RETAIN_DAYS },
      pruneIntervalMs: e.UPTOP_PRUNE_INTERVAL,
      maintenanceRetentionMs: e.UPTOP_MAINT_RETENTION,
      maintenancePruneIntervalMs: e.UPTOP_MAINT_PRUNE_INTERVAL,
    },
    encryptionKey: e.UPTOP_ENCRYPTION_KEY ? Buffer.from(e.UPTOP_ENCRYPTION_KEY, 'hex') : undefined,
    status: { enabled: e.UPTOP_STATUS_ENABLED, title: e.UPTOP_STATUS_TITLE, corsOrigin: e.UPTOP_CORS_ORIGIN },
    metricsPublic: e.UPTOP_METRICS_PUBLIC,
    trustedProxies: e.UPTOP_TRUSTED_PROXIES,
    admin: e.UPTOP_ADMIN_USER && e.UPTOP_ADMIN_PASSWORD ? { username: e.UPTOP_ADMIN_USER, password: e.UPTOP_ADMIN_PASSWORD } : undefined,
    pushRateLimitPerMinute: e.UPTOP_PUSH_RATE_LIMIT,
    loginRateLimitPerMinute: e.UPTOP_LOGIN_RATE_LIMIT,
    limits: {
      loginFailuresPerUserPerMinute: e.UPTOP_LOGIN_USER_RATE_LIMIT,
      settingValueBytes: e.UPTOP_MAX_SETTING_BYTES,
      subscriptionSiteIds: e.UPTOP_MAX_SUBSCRIPTION_SITES,
      wsPerIp: e.UPTOP_WS_PER_IP,
      wsPerUser: e.UPTOP_WS_PER_USER,
      ssePerUser: e.UPTOP_SSE_PER_USER,
      sessionsPerUser: e.UPTOP_SESSIONS_PER_USER,
      apiTokensPerUser: e.UPTOP_API_TOKENS_PER_USER,
    },
    sessionTtlMs: e.UPTOP_SESSION_TTL,
    logLevel: e.LOG_LEVEL,
    graphql: {
      graphiql: e.UPTOP_GRAPHIQL,
      introspection: e.UPTOP_INTROSPECTION,
      maxDepth: e.UPTOP_MAX_DEPTH,
      maxCost: e.UPTOP_MAX_COST,
      maxAliases: e.UPTOP_MAX_ALIASES,
      maxTokens: e.UPTOP_MAX_TOKENS,
      maxResultSize: e.UPTOP_MAX_RESULT_SIZE,
      bodyLimitBytes: e.UPTOP_BODY_LIMIT,
    },
    alertEndpoints: endpoints.data,
  };
}
