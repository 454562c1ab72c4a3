import net from 'node:net';
import { z } from 'zod';
import { MAX_REDIRECTS } from '../engine/checks/redirect.ts';
import type { MonitorType } from '../generated/prisma/client.ts';
import { ValidationError } from '../services/errors.ts';
import { MAX_INTERVAL_SECONDS } from '../services/site-config.ts';
import { forEachInSteps } from '../turns.ts';
import { BACKUP_NOT_KUMA_EXPORT, isBackup } from './file-kind.ts';
import { goName, type Backup, type BackupAlert, type BackupSite } from './format.ts';
import { mapKumaNotification } from './kuma-notifications.ts';
import { planChannel, planSite, PUSH_TOKEN, SITES_PLANNED_PER_STEP } from './plan.ts';

/*
 * Uptime Kuma's backup JSON: `{ version, notificationList, monitorList }`, as its Settings → Backup page wrote it
 * (1.x; the page and its import were dropped in 2.0, whose monitors are exported in the same envelope by scripts and
 * tools reading its API). Differences handled here: `active` is 0/1 before 1.23 and a boolean since (2.0 too);
 * 2.0 adds `conditions` (DNS and other checks) and new monitor types; before 1.20 ntfy had no authentication method.
 * Every monitor carries its `notificationIDList` ({ "<notification id>": true }), its `parent` group and, for push
 * monitors, its `pushToken`; each notification a JSON string `config` holding its type and provider keys.
 */

export interface KumaSummary {
  /** Kuma's version as the export states it. */
  version: string;
  monitors: number;
  alerts: number;
  /** One line per monitor or notification not imported, saying why. */
  skipped: string[];
  /** One line per monitor imported with a change (at the top level, a new push token, without its conditions). */
  notes: string[];
}

const flag = z
  .union([z.boolean(), z.number()])
  .nullish()
  .transform((v) => v === true || v === 1);
const text = z.string().nullish();
const count = z.number().nullish();

const kumaNotification = z.object({
  id: z.number().int(),
  name: text,
  config: text,
  active: z.union([z.boolean(), z.number()]).nullish(),
});

const kumaMonitor = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  type: z.string(),
  description: text,
  url: text,
  method: text,
  hostname: text,
  port: count,
  interval: count,
  timeout: count,
  maxretries: count,
  maxredirects: count,
  resendInterval: count,
  keyword: text,
  invertKeyword: flag,
  expiryNotification: flag,
  ignoreTls: flag,
  upsideDown: flag,
  accepted_statuscodes: z.array(z.string()).nullish(),
  dns_resolve_type: text,
  dns_resolve_server: text,
  notificationIDList: z.record(z.string(), z.union([z.boolean(), z.number()])).nullish(),
  parent: count,
  pushToken: text,
  // Absent in hand-trimmed exports: Kuma's own default is active.
  active: z.union([z.boolean(), z.number()]).nullish(),
  headers: text,
  body: text,
  authMethod: text,
  basic_auth_user: text,
  basic_auth_pass: text,
  conditions: z.unknown().optional(),
});

const kumaBackup = z.object(
  {
    version: z.union([z.string(), z.number()], { error: 'must be the Kuma version the export states, such as "1.23.16"' }).transform(String),
    notificationList: z.array(kumaNotification).nullish(),
    // Each monitor is read by `kumaMonitor` on its own (KumaConversion.read), in steps: a fleet's are many.
    monitorList: z.array(z.unknown()).nullish(),
  },
  { error: 'must be an Uptime Kuma backup {"version", "notificationList", "monitorList"}' },
);

/** The envelope, unless the file is a backup, which is refused as one rather than as a Kuma file without a version. */
const kumaEnvelope = z
  .unknown()
  .refine((json) => !isBackup(json), { error: BACKUP_NOT_KUMA_EXPORT, abort: true })
  .pipe(kumaBackup);

type KumaMonitor = z.output<typeof kumaMonitor>;

/** Kuma's monitor types uptop checks; a keyword monitor is an HTTP monitor with a keyword. */
const TYPES: Record<string, MonitorType> = { http: 'HTTP', keyword: 'HTTP', port: 'PORT', ping: 'PING', dns: 'DNS', push: 'PUSH', group: 'GROUP' };

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, Math.round(value)));

function monitorLabel(m: { id: number; name: string }): string {
  return `monitor "${m.name}" (id ${m.id})`;
}

/** Kuma's DNS server and port as uptop's `host`, `host:port` or `[v6]:port`. */
function dnsServer(server: string | null | undefined, port: number | null | undefined): string {
  const host = server?.trim() ?? '';
  if (!host || !port || port === 53) return host;
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The HTTP parts of a Kuma monitor, or why they cannot be carried over. */
function httpParts(m: KumaMonitor): { headers: Record<string, string> | null; authType: 'none' | 'basic' } | { skip: string } {
  let headers: Record<string, string> | null = null;
  if (m.headers?.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(m.headers);
    } catch {
      return { skip: 'its headers are not valid JSON' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { skip: 'its headers are not a JSON object' };
    headers = Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, String(value)]));
  }
  // Before 1.20 Kuma had no method and sent basic auth whenever a user was set.
  const method = m.authMethod || (m.basic_auth_user ? 'basic' : null);
  if (method && method !== 'basic') return { skip: `authentication method "${method}" is not supported by uptop` };
  return { headers, authType: method === 'basic' ? 'basic' : 'none' };
}

function toSite(m: KumaMonitor, type: MonitorType, alertIds: number[], parentId: number): BackupSite | { skip: string } {
  const http = type === 'HTTP' ? httpParts(m) : { headers: null, authType: 'none' as const };
  if ('skip' in http) return http;
  const interval = clamp(m.interval || 60, 5, MAX_INTERVAL_SECONDS);
  // Kuma's own fallback for exports older than its timeout field: 80 % of the interval.
  const timeout = clamp(m.timeout || interval * 0.8, 1, 300);
  // Kuma re-notifies every N checks while down; uptop every N minutes.
  const renotify = m.resendInterval ? clamp(Math.ceil((m.resendInterval * interval) / 60), 1, 525_600) : 0;
  const active = m.active === undefined || m.active === null || m.active === true || m.active === 1;
  return {
    ID: m.id,
    Name: m.name,
    URL: type === 'HTTP' ? (m.url ?? '') : '',
    Type: goName(type),
    Token: type === 'PUSH' ? (m.pushToken ?? '') : '',
    Interval: interval,
    AlertID: alertIds[0] ?? 0,
    CheckSSL: type === 'HTTP' && m.expiryNotification,
    ExpiryThreshold: 7,
    MaxRetries: clamp(m.maxretries ?? 0, 0, 100),
    Hostname: ['PORT', 'PING', 'DNS'].includes(type) ? (m.hostname ?? '') : '',
    Port: type === 'PORT' ? (m.port ?? 0) : 0,
    Timeout: timeout,
    Method: type === 'HTTP' ? m.method || 'GET' : 'GET',
    Description: m.description ?? '',
    ParentID: parentId,
    AcceptedCodes: type === 'HTTP' && m.accepted_statuscodes?.length ? m.accepted_statuscodes.join(',') : '200-299',
    DNSResolveType: type === 'DNS' ? (m.dns_resolve_type ?? '') : '',
    DNSServer: type === 'DNS' ? dnsServer(m.dns_resolve_server, m.port) : '',
    IgnoreTLS: type === 'HTTP' && m.ignoreTls,
    Paused: !active,
    Regions: '',
    Uptop: {
      AlertIDs: alertIds,
      Headers: http.headers,
      Body: type === 'HTTP' ? m.body || null : null,
      AuthType: http.authType,
      AuthUsername: http.authType === 'basic' ? (m.basic_auth_user ?? '') : '',
      AuthSecret: http.authType === 'basic' ? (m.basic_auth_pass ?? '') : '',
      Keyword: m.type === 'keyword' ? (m.keyword ?? '') : '',
      KeywordInvert: m.type === 'keyword' && m.invertKeyword,
      RenotifyMinutes: renotify,
      Public: true,
      MaxRedirects: clamp(m.maxredirects ?? MAX_REDIRECTS, 0, MAX_REDIRECTS),
    },
  };
}

function convertNotifications(list: z.output<typeof kumaNotification>[], skipped: string[]): BackupAlert[] {
  const alerts: BackupAlert[] = [];
  for (const n of list) {
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(n.config ?? '') as Record<string, unknown>;
      if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new TypeError('not an object');
    } catch {
      skipped.push(`notification "${n.name ?? ''}" (id ${n.id}): its config is not valid JSON`);
      continue;
    }
    const name = n.name || (typeof config.name === 'string' && config.name) || `Kuma notification ${n.id}`;
    const where = `notification "${name}" (id ${n.id})`;
    if (n.active === false || n.active === 0) {
      skipped.push(`${where}: disabled in Kuma`);
      continue;
    }
    const mapped = mapKumaNotification(config);
    if ('skip' in mapped) {
      skipped.push(`${where}: ${mapped.skip}`);
      continue;
    }
    const alert: BackupAlert = { ID: n.id, Name: name, Type: goName(mapped.provider), Settings: mapped.settings };
    const planned = planChannel(alert);
    if (planned.issues) skipped.push(`${where}: ${planned.issues.map((i) => `${i.field.replace(/^Settings\./, '')} ${i.message}`).join('; ')}`);
    else alerts.push(alert);
  }
  return alerts;
}

/** Monitors read or converted per step when the HTTP route converts: each is checked by planSite, as a backup's site. */
export const MONITORS_PER_STEP = SITES_PLANNED_PER_STEP;

/** `monitorList[3].interval`: the list index, then the key. */
function fieldOf(path: readonly PropertyKey[]): string {
  return (
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .slice(1) || 'backup'
  );
}

/**
 * A Kuma backup's conversion, a monitor at a time, so that the HTTP route can run it in steps and the CLI at once:
 * `read` each of `monitorList`, then `add` each of `toAdd()`, then take the `result()`.
 */
class KumaConversion {
  /** The monitors as the file has them. */
  readonly monitorList: readonly unknown[];
  private readonly envelope: ReturnType<typeof kumaEnvelope.safeParse>;
  private readonly issues: z.core.$ZodIssue[] = [];
  private readonly monitors: KumaMonitor[] = [];
  private readonly skipped: string[] = [];
  private readonly notes: string[] = [];
  private alerts: BackupAlert[] = [];
  private alertIds = new Set<number>();
  private readonly groups = new Set<number>();
  private readonly tokens = new Set<string>();
  private readonly sites: BackupSite[] = [];

  constructor(json: unknown) {
    this.envelope = kumaEnvelope.safeParse(json);
    // From the JSON itself, so a monitor's issues are found beside the envelope's, as when one schema read it all.
    const list = (json as { monitorList?: unknown } | null)?.monitorList;
    this.monitorList = Array.isArray(list) ? list : [];
  }

  /** One monitor of the file, checked against Kuma's shape. */
  read(raw: unknown, index: number): void {
    const monitor = kumaMonitor.safeParse(raw);
    if (monitor.success) this.monitors.push(monitor.data);
    else for (const issue of monitor.error.issues) this.issues.push({ ...issue, path: ['monitorList', index, ...issue.path] });
  }

  /**
   * Once every monitor is read, the notifications converted and the monitors to add, groups first so that a child
   * knows whether its group was kept. A malformed file (not JSON of Kuma's shape) is a ValidationError.
   */
  toAdd(): KumaMonitor[] {
    const { envelope, issues } = this;
    if (!envelope.success || issues.length) {
      const all = [...(envelope.error?.issues ?? []), ...issues];
      throw ValidationError.of(all.map((issue) => ({ field: fieldOf(issue.path), message: issue.message })));
    }
    this.alerts = convertNotifications(envelope.data.notificationList ?? [], this.skipped);
    this.alertIds = new Set(this.alerts.map((a) => a.ID));
    return this.monitors.sort((a, b) => Number(b.type === 'group') - Number(a.type === 'group'));
  }

  /** One monitor as a site of the backup, or a line saying why it was skipped; a note when it was changed. */
  add(m: KumaMonitor): void {
    const { skipped, notes, groups, tokens } = this;
    const where = monitorLabel(m);
    const type = TYPES[m.type];
    if (!type) {
      skipped.push(`${where}: type "${m.type}" is not supported by uptop`);
      return;
    }
    if (m.upsideDown) {
      skipped.push(`${where}: upside-down mode is not supported by uptop`);
      return;
    }
    let parentId = m.parent ?? 0;
    if (parentId && type === 'GROUP') {
      notes.push(`${where}: imported at the top level (uptop groups cannot nest)`);
      parentId = 0;
    } else if (parentId && !groups.has(parentId)) {
      notes.push(`${where}: imported at the top level (its group ${parentId} was not imported)`);
      parentId = 0;
    }
    const linked = Object.entries(m.notificationIDList ?? {})
      .filter(([, on]) => on === true || on === 1)
      .map(([id]) => Number(id))
      .filter((id) => Number.isInteger(id) && this.alertIds.has(id))
      .sort((a, b) => a - b);
    const site = toSite(m, type, linked, parentId);
    if ('skip' in site) {
      skipped.push(`${where}: ${site.skip}`);
      return;
    }
    if (type === 'PUSH' && site.Token && (!PUSH_TOKEN.test(site.Token) || tokens.has(site.Token))) {
      notes.push(`${where}: imported with a new push token (its Kuma token is ${tokens.has(site.Token) ? 'used by another monitor' : 'not URL-safe'})`);
      site.Token = '';
    }
    const planned = planSite(site);
    if (planned.issues) {
      skipped.push(`${where}: ${planned.issues.map((i) => `${i.field} ${i.message}`).join('; ')}`);
      return;
    }
    if (Array.isArray(m.conditions) && m.conditions.length) notes.push(`${where}: imported without its conditions (uptop has none)`);
    if (type === 'HTTP' && (m.maxredirects ?? 0) > MAX_REDIRECTS)
      notes.push(`${where}: follows at most ${MAX_REDIRECTS} redirects (${m.maxredirects} in Kuma)`);
    // The token planSite made for a push monitor without one is kept, so the summary's import uses that same token.
    if (planned.site.pushToken) tokens.add((site.Token = planned.site.pushToken));
    if (type === 'GROUP') groups.add(m.id);
    this.sites.push(site);
  }

  result(): { backup: Backup; summary: KumaSummary } {
    const { sites, alerts, skipped, notes } = this;
    sites.sort((a, b) => a.ID - b.ID);
    return {
      backup: { sites, alerts, users: null, maintenance_windows: [] },
      summary: { version: this.envelope.data!.version, monitors: sites.length, alerts: alerts.length, skipped, notes },
    };
  }
}

/**
 * An Uptime Kuma backup as an uptop backup (see format.ts), ready for importBackup, and what was left out and why.
 * Each monitor and notification is checked by uptop's own rules here, so one Kuma cannot take the rest with it:
 * a monitor of a type uptop lacks, with settings uptop refuses, or linked to nothing importable is listed as skipped.
 * A malformed file (not JSON of Kuma's shape) is a ValidationError. In one piece: for the CLI, which shares its
 * event loop with nothing.
 */
export function convertKuma(json: unknown): { backup: Backup; summary: KumaSummary } {
  const conversion = new KumaConversion(json);
  conversion.monitorList.forEach((raw, i) => conversion.read(raw, i));
  for (const m of conversion.toAdd()) conversion.add(m);
  return conversion.result();
}

/** `convertKuma` for the HTTP route, MONITORS_PER_STEP monitors per step: 10,000 of them took 400 ms in one piece. */
export async function convertKumaInSteps(json: unknown): Promise<{ backup: Backup; summary: KumaSummary }> {
  const conversion = new KumaConversion(json);
  await forEachInSteps(conversion.monitorList, MONITORS_PER_STEP, (raw, i) => conversion.read(raw, i));
  await forEachInSteps(conversion.toAdd(), MONITORS_PER_STEP, (m) => conversion.add(m));
  return conversion.result();
}

/** The answer to an import: `Imported N monitors, M alerts from Kuma v<ver>`, then one line per thing skipped or changed. */
export function describeKumaImport(summary: KumaSummary): string {
  const head = `Imported ${summary.monitors} monitors, ${summary.alerts} alerts from Kuma v${summary.version}`;
  return [head, ...summary.skipped.map((line) => `Skipped ${line}`), ...summary.notes.map((line) => `Changed ${line}`)].join('\n');
}
