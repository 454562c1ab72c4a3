import net from 'node:net';
import { z } from 'zod';
import { MAX_REDIRECTS } from '../engine/checks/redirect.ts';
import type { MonitorType } from '../generated/prisma/client.ts';
import { ValidationError } from '../services/errors.ts';
import { forEachInSteps } from '../turns.ts';
import { BACKUP_NOT_KUMA_EXPORT, isBackup } from './file-kind.ts';
import { goName, type Backup, type BackupAlert, type BackupSite } from './format.ts';
import { kumaRequest } from './kuma-http.ts';
import { mapKumaNotification } from './kuma-notifications.ts';
import { kumaTiming } from './kuma-timing.ts';
import { planChannel, planSite, PUSH_TOKEN, SITES_PLANNED_PER_STEP } from './plan.ts';

/*
 * Uptime Kuma's backup JSON: `{ version, notificationList, monitorList }`, as its Settings → Backup page wrote it
 * (1.x; the page and its import were dropped in 2.0, whose monitors are exported in the same envelope by scripts and
 * tools reading its API). Differences handled here: `active` is 0/1 before 1.23 and a boolean since (2.0 too);
 * 2.0 adds `conditions` (DNS and other checks) and new monitor types; before 1.22 ntfy had no authentication method.
 * Every monitor carries its `notificationIDList` ({ "<notification id>": true }), its `parent` group and, for push
 * monitors, its `pushToken`; each notification a JSON string `config` holding its type and provider keys. A
 * notification's `active` is left alone: Kuma has no way to turn one off and never reads it.
 */

export interface KumaSummary {
  /** Kuma's version as the export states it. */
  version: string;
  monitors: number;
  alerts: number;
  /** One line per monitor or notification not imported, saying why. */
  skipped: string[];
  /**
   * One line per change to a monitor or notification imported (at the top level, a new push token, without its
   * conditions, a timing uptop cannot keep, a setting its provider lacks).
   */
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
  retryInterval: count,
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
  httpBodyEncoding: text,
  authMethod: text,
  basic_auth_user: text,
  basic_auth_pass: text,
  bearer_token: text,
  conditions: z.unknown().optional(),
  tags: z.array(z.object({ name: z.string(), value: text })).nullish(),
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

function monitorLabel(m: { id: number; name: string }): string {
  return `monitor "${m.name}" (id ${m.id})`;
}

/** Kuma's DNS server and port as uptop's `host`, `host:port` or `[v6]:port`. */
function dnsServer(server: string | null | undefined, port: number | null | undefined): string {
  const host = server?.trim() ?? '';
  if (!host || !port || port === 53) return host;
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What a monitor that is not HTTP takes of the request fields. */
const NO_REQUEST = { headers: null, body: null, authType: 'none', authUsername: '', authSecret: '', maxRedirects: MAX_REDIRECTS, notes: [] } as const;

/** A site of the backup, with the notes of what uptop changes, or why the monitor cannot be one. */
function toSite(m: KumaMonitor, type: MonitorType, alertIds: number[], parentId: number): { site: BackupSite; notes: string[] } | { skip: string } {
  const http = type === 'HTTP' ? kumaRequest(m) : NO_REQUEST;
  if ('skip' in http) return http;
  const timing = kumaTiming(m, type);
  const active = m.active === undefined || m.active === null || m.active === true || m.active === 1;
  const site: BackupSite = {
    ID: m.id,
    Name: m.name,
    URL: type === 'HTTP' ? (m.url ?? '') : '',
    Type: goName(type),
    Token: type === 'PUSH' ? (m.pushToken ?? '') : '',
    Interval: timing.interval,
    AlertID: alertIds[0] ?? 0,
    CheckSSL: type === 'HTTP' && m.expiryNotification,
    ExpiryThreshold: 7,
    MaxRetries: timing.maxRetries,
    Hostname: ['PORT', 'PING', 'DNS'].includes(type) ? (m.hostname ?? '') : '',
    Port: type === 'PORT' ? (m.port ?? 0) : 0,
    Timeout: timing.timeout,
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
      Body: http.body,
      AuthType: http.authType,
      AuthUsername: http.authUsername,
      AuthSecret: http.authSecret,
      Keyword: m.type === 'keyword' ? (m.keyword ?? '') : '',
      KeywordInvert: m.type === 'keyword' && m.invertKeyword,
      RenotifyMinutes: timing.renotifyMinutes,
      Public: true,
      MaxRedirects: http.maxRedirects,
    },
  };
  return { site, notes: [...http.notes, ...timing.notes] };
}

/** A tag as Kuma shows it: `name: value`, or the name alone. */
function tagText(tag: { name: string; value?: string | null }): string {
  return tag.value ? `${tag.name}: ${tag.value}` : tag.name;
}

function convertNotifications(list: z.output<typeof kumaNotification>[], version: string, skipped: string[], notes: string[]): BackupAlert[] {
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
    const mapped = mapKumaNotification(config, version);
    if ('skip' in mapped) {
      skipped.push(`${where}: ${mapped.skip}`);
      continue;
    }
    const alert: BackupAlert = { ID: n.id, Name: name, Type: goName(mapped.provider), Settings: mapped.settings };
    const planned = planChannel(alert);
    if (planned.issues) {
      skipped.push(`${where}: ${planned.issues.map((i) => `${i.field.replace(/^Settings\./, '')} ${i.message}`).join('; ')}`);
      continue;
    }
    alerts.push(alert);
    for (const note of mapped.notes) notes.push(`${where}: ${note}`);
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
    this.alerts = convertNotifications(envelope.data.notificationList ?? [], envelope.data.version, this.skipped, this.notes);
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
    const converted = toSite(m, type, linked, parentId);
    if ('skip' in converted) {
      skipped.push(`${where}: ${converted.skip}`);
      return;
    }
    const { site } = converted;
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
    for (const note of converted.notes) notes.push(`${where}: ${note}`);
    if (m.tags?.length) notes.push(`${where}: imported without its tags (uptop has none): ${m.tags.map(tagText).join(', ')}`);
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
