import { Document } from 'yaml';
import type { AlertSettings } from '../alerts/types.ts';
import type { MaintenanceWindow } from '../generated/prisma/client.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { SITE_DEFAULTS, type SiteConfig } from '../services/site-config.ts';
import { forEachInSteps } from '../turns.ts';
import { SITE_KEYS, type SiteKey } from './file-schema.ts';
import { loadCurrent, MONITORS_PER_STEP, type SiteRow } from './plan.ts';

export type ExportFormat = 'yaml' | 'json';

const lower = (value: string) => value.toLowerCase();

type Entry = Record<string, unknown>;

interface ExportContext {
  channelNames: ReadonlyMap<number, string>;
  secretBox: ServiceDeps['secretBox'];
}

/** The file's form of one monitor, its group's children aside: name and type, then the values that are not defaults. */
function monitorEntry(row: SiteRow, ctx: ExportContext): Entry {
  const entry: Entry = { name: row.name, type: lower(row.type) };
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

const HEADER = ' uptop configuration (uptop apply -f <file>). It holds alert secrets in plain text: keep it private.';

/** A part of the file: `value` written as a YAML document, less its first `drop` lines (those of the parts around it). */
interface Part {
  value: Entry;
  drop: number;
}

/**
 * The parts of a top-level list, of at most MONITORS_PER_STEP monitors each, a group's children counted. A group with
 * that many children or more has parts of its own: the first with the group, the next ones with its other children
 * under wrappers whose lines are dropped (`monitors:` and `- monitors:`; groups are never nested).
 */
function partsOf(key: string, items: readonly Entry[]): Part[] {
  const parts: Part[] = [];
  const add = (list: Entry[]) => parts.push({ value: { [key]: list }, drop: parts.length ? 1 : 0 });
  let batch: Entry[] = [];
  let size = 0;
  for (const item of items) {
    const children = (item.monitors as Entry[] | undefined) ?? [];
    if (batch.length && size + 1 + children.length > MONITORS_PER_STEP) {
      add(batch);
      [batch, size] = [[], 0];
    }
    if (children.length < MONITORS_PER_STEP) {
      batch.push(item);
      size += 1 + children.length;
      continue;
    }
    add([{ ...item, monitors: children.slice(0, MONITORS_PER_STEP) }]);
    for (let i = MONITORS_PER_STEP; i < children.length; i += MONITORS_PER_STEP)
      parts.push({ value: { [key]: [{ monitors: children.slice(i, i + MONITORS_PER_STEP) }] }, drop: 2 });
  }
  if (batch.length) add(batch);
  return parts;
}

/**
 * `content` as one YAML document writes it, a part per step: the yaml package wrote the 10,000 monitors of an export
 * in 200 ms in one piece. An item of a block sequence is written the same whatever is around it (entries share no
 * object, so there are no aliases, and lines are never folded), so the parts joined are that same text.
 */
async function yamlText(content: Readonly<Record<string, Entry[]>>): Promise<string> {
  const chunks: string[] = [];
  const write = (value: Entry) => {
    const doc = new Document(value);
    // The file's comment heads its first part.
    if (!chunks.length) doc.commentBefore = HEADER;
    return doc.toString({ lineWidth: 0 });
  };
  const parts = Object.entries(content).flatMap(([key, items]) => partsOf(key, items));
  await forEachInSteps(parts, 1, ({ value, drop }) => {
    const text = write(value);
    let start = 0;
    for (let n = 0; n < drop; n++) start = text.indexOf('\n', start) + 1;
    chunks.push(text.slice(start));
  });
  return chunks.length ? chunks.join('') : write({});
}

/**
 * The database as a config file that `applyConfig` reads back as no change: groups with their children nested,
 * default values left out. Like the Go original's export it holds alert settings and HTTP auth secrets in plain
 * text, for a private repository; the CLI writes it owner-only. The monitors are read, made entries and written in
 * steps (`loadCurrent`, MONITORS_PER_STEP).
 */
export async function exportConfig(deps: Pick<ServiceDeps, 'db' | 'secretBox'>, options: { format?: ExportFormat } = {}): Promise<string> {
  const { sites, channels, windows } = await loadCurrent(deps.db);
  const ctx: ExportContext = { channelNames: new Map(channels.map((c) => [c.id, c.name])), secretBox: deps.secretBox };
  const entries = new Map<number, Entry>();
  await forEachInSteps(sites, MONITORS_PER_STEP, (site) => entries.set(site.id, monitorEntry(site, ctx)));
  const monitors: Entry[] = [];
  for (const site of sites) {
    // The pages are read one after the other: a group deleted in between has set its children free.
    const group = site.parentId === null ? undefined : entries.get(site.parentId);
    (group ? ((group.monitors ??= []) as Entry[]) : monitors).push(entries.get(site.id)!);
  }
  const siteNames = new Map(sites.map((s) => [s.id, s.name]));

  const content = {
    ...(channels.length && {
      alerts: channels.map((c) => ({ name: c.name, type: lower(c.provider), settings: JSON.parse(deps.secretBox.open(c.settings)) as AlertSettings })),
    }),
    ...(monitors.length && { monitors }),
    ...(windows.length && { maintenance: windows.map((w) => windowEntry(w, siteNames)) }),
  };
  // In one piece: JSON.stringify writes the entries of 10,000 monitors in about 10 ms.
  if (options.format === 'json') return `${JSON.stringify(content, null, 2)}\n`;
  return yamlText(content);
}
