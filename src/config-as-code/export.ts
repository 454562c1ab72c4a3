import { Document } from 'yaml';
import type { AlertSettings } from '../alerts/types.ts';
import type { MaintenanceWindow } from '../generated/prisma/client.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { SITE_DEFAULTS, type SiteConfig } from '../services/site-config.ts';
import { SITE_KEYS, type SiteKey } from './file-schema.ts';
import { loadCurrent, type SiteRow } from './plan.ts';

export type ExportFormat = 'yaml' | 'json';

const lower = (value: string) => value.toLowerCase();

interface ExportContext {
  channelNames: ReadonlyMap<number, string>;
  /** The children of each group, by its id. */
  children: ReadonlyMap<number, SiteRow[]>;
  secretBox: ServiceDeps['secretBox'];
}

/** The file's form of one monitor: name and type, then only the values that differ from the defaults. */
function monitorEntry(row: SiteRow, ctx: ExportContext): Record<string, unknown> {
  const entry: Record<string, unknown> = { name: row.name, type: lower(row.type) };
  for (const [key, field] of Object.entries(SITE_KEYS) as [SiteKey, keyof SiteConfig][]) {
    const value = row[field];
    if (value === SITE_DEFAULTS[field as keyof typeof SITE_DEFAULTS]) continue;
    entry[key] = field === 'httpHeaders' ? JSON.parse(value as string) : value;
  }
  if (row.authType !== 'NONE') {
    const secret = row.authSecret === null ? undefined : ctx.secretBox.open(row.authSecret);
    entry.auth =
      row.authType === 'BASIC'
        ? { type: 'basic', ...(row.authUsername !== null && { username: row.authUsername }), ...(secret !== undefined && { password: secret }) }
        : { type: 'bearer', ...(secret !== undefined && { token: secret }) };
  }
  const alerts = row.alertChannels.map((link) => ctx.channelNames.get(link.alertChannelId)!);
  // One channel is written the Go original's way, so such a file still reads there.
  if (alerts.length === 1) entry.alert = alerts[0];
  else if (alerts.length > 1) entry.alerts = alerts;
  const children = ctx.children.get(row.id) ?? [];
  if (children.length) entry.monitors = children.map((child) => monitorEntry(child, ctx));
  return entry;
}

function windowEntry(w: MaintenanceWindow, siteNames: ReadonlyMap<number, string>) {
  return {
    title: w.title,
    ...(w.type !== 'MAINTENANCE' && { type: lower(w.type) }),
    ...(w.siteId !== null && { monitor: siteNames.get(w.siteId) }),
    ...(w.description && { description: w.description }),
    starts_at: w.startsAt.toISOString(),
    ...(w.endsAt && { ends_at: w.endsAt.toISOString() }),
    ...(w.recurrence && { recurrence: w.recurrence, duration_minutes: w.durationMinutes }),
    ...(w.recurrence && w.timezone !== 'UTC' && { timezone: w.timezone }),
  };
}

/**
 * The database as a config file that `applyConfig` reads back as no change: groups with their children nested,
 * default values left out. Like the Go original's export it holds alert settings and HTTP auth secrets in plain
 * text, for a private repository; the CLI writes it owner-only.
 */
export async function exportConfig(deps: Pick<ServiceDeps, 'db' | 'secretBox'>, options: { format?: ExportFormat } = {}): Promise<string> {
  const { sites, channels, windows } = await loadCurrent(deps.db);
  const channelNames = new Map(channels.map((c) => [c.id, c.name]));
  const siteNames = new Map(sites.map((s) => [s.id, s.name]));
  const children = new Map<number, SiteRow[]>();
  for (const site of sites) if (site.parentId !== null) children.set(site.parentId, [...(children.get(site.parentId) ?? []), site]);
  const ctx: ExportContext = { channelNames, children, secretBox: deps.secretBox };

  const content = {
    ...(channels.length && {
      alerts: channels.map((c) => ({ name: c.name, type: lower(c.provider), settings: JSON.parse(deps.secretBox.open(c.settings)) as AlertSettings })),
    }),
    ...(sites.length && {
      monitors: sites.filter((s) => s.parentId === null).map((s) => monitorEntry(s, ctx)),
    }),
    ...(windows.length && { maintenance: windows.map((w) => windowEntry(w, siteNames)) }),
  };
  if (options.format === 'json') return `${JSON.stringify(content, null, 2)}\n`;
  const doc = new Document(content);
  doc.commentBefore = ' uptop configuration (uptop apply -f <file>). It holds alert secrets in plain text: keep it private.';
  return doc.toString({ lineWidth: 0 });
}
