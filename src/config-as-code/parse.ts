import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { REDACTED } from '../alerts/redact.ts';
import type { AlertSettings } from '../alerts/types.ts';
import { channelName, checkSettings } from '../services/alert-channels.ts';
import { ValidationError } from '../services/errors.ts';
import { parseWindowFields } from '../services/maintenance.ts';
import { SITE_DEFAULTS, type SiteConfig, siteConfigOf } from '../services/site-config.ts';
import { parseOrThrow } from '../services/validate.ts';
import { turns } from '../turns.ts';
import { ConfigFileError, formatIssue, type ConfigIssue } from './errors.ts';
import {
  FILE_KEY_OF,
  fileSchema,
  GO_ZERO_DEFAULTS,
  ITEM_SCHEMAS,
  SITE_KEYS,
  WINDOW_FILE_KEY_OF,
  type FileAlert,
  type FileMonitor,
  type FileWindow,
  type SiteKey,
} from './file-schema.ts';
import { pathText, SourceMap, type PathItem } from './locate.ts';
import { MONITORS_PER_STEP } from './plan.ts';
import type { ConfigAlert, ConfigMonitor, ConfigWindow, ParsedConfig } from './types.ts';

export interface ParseOptions {
  /** The API's limit per alert setting value (`config.limits.settingValueBytes`); none when absent. */
  settingValueBytes?: number;
}

/** Collects every problem of a file with its line, so one run reports them all. */
class Issues {
  private readonly found: ConfigIssue[] = [];

  constructor(
    private readonly fileName: string,
    private readonly source: SourceMap,
  ) {}

  /** A problem of the value at `path`, or with `key` of that key of the mapping at `path`. */
  add(path: readonly PathItem[], message: string, key?: string): void {
    this.addAt(this.source.lineOf(path, key), key === undefined ? path : [...path, key], message);
  }

  addAt(line: number | null, path: readonly PathItem[], message: string): void {
    const field = pathText(path);
    this.found.push({ field, line, message: formatIssue(this.fileName, line, field, message) });
  }

  /** Runs an API validation; each issue of its ValidationError is added at the path `pathOf` gives its field. */
  collect<T>(run: () => T, pathOf: (field: string) => PathItem[]): T | undefined {
    try {
      return run();
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      for (const issue of err.issues) this.add(pathOf(issue.field), issue.message);
      return undefined;
    }
  }

  /** The line of a path, to tell where a name was first used. */
  lineOf(path: readonly PathItem[]): number | null {
    return this.source.lineOf(path);
  }

  throwIfAny(): void {
    if (this.found.length) this.fail();
  }

  /** Throws the problems found, which must not be none. */
  fail(): never {
    // In file order, problems without a place last; sort is stable, so each line keeps its problems' order.
    const ordered = [...this.found].sort((a, b) => (a.line ?? Number.POSITIVE_INFINITY) - (b.line ?? Number.POSITIVE_INFINITY));
    throw new ConfigFileError(this.fileName, ordered);
  }
}

/** `httpHeaders.X-Key` → [`httpHeaders`, `X-Key`]: an API field and the rest of its path (a key may contain dots). */
function splitField(field: string): PathItem[] {
  const dot = field.indexOf('.');
  return dot < 0 ? [field] : [field.slice(0, dot), field.slice(dot + 1)];
}

/** The path in the file of a site field the API named in an issue. */
function sitePath(base: PathItem[], field: string, monitor: FileMonitor): PathItem[] {
  const [head = '', ...rest] = splitField(field);
  switch (head) {
    case 'name':
    case 'type':
      return [...base, head];
    // Only a group inside a group is refused for its parent: see the placeholder in `monitorConfig`.
    case 'parentId':
      return [...base, 'type'];
    case 'authType':
      return [...base, 'auth', 'type'];
    case 'authUsername':
      return [...base, 'auth', 'username'];
    case 'authSecret':
      return [...base, 'auth', monitor.auth?.type === 'BEARER' ? 'token' : 'password'];
    default: {
      const key = FILE_KEY_OF[head];
      return key ? [...base, key, ...rest] : base;
    }
  }
}

/** The site fields a monitor of the file sets, as the API takes them. */
function siteInput(monitor: FileMonitor): Record<string, unknown> {
  const input: Record<string, unknown> = { name: monitor.name, type: monitor.type };
  for (const [key, field] of Object.entries(SITE_KEYS) as [SiteKey, string][]) {
    const value = monitor[key];
    if (value === undefined || (key in GO_ZERO_DEFAULTS && value === GO_ZERO_DEFAULTS[key])) continue;
    input[field] = value;
  }
  if (monitor.auth) {
    input.authType = monitor.auth.type;
    input.authUsername = monitor.auth.username ?? null;
    input.authSecret = monitor.auth.password ?? monitor.auth.token ?? null;
  }
  return input;
}

/** The monitor's whole configuration by the API's rules (siteConfigOf), or undefined with issues. */
function monitorConfig(monitor: FileMonitor, path: PathItem[], inGroup: boolean, issues: Issues): SiteConfig | undefined {
  // The rules only ask whether there is a parent (a group may not have one); the real id is known at apply.
  const base = { ...SITE_DEFAULTS, parentId: inGroup ? 1 : null };
  const checked = issues.collect(
    () => siteConfigOf(base, siteInput(monitor)),
    (field) => sitePath(path, field, monitor),
  );
  return checked && { ...checked.config, parentId: null };
}

function checkUnique(kind: string, name: string, path: PathItem[], seen: Map<string, PathItem[]>, issues: Issues): void {
  const first = seen.get(name);
  if (first) issues.add([...path, 'name'], `${kind} "${name}" is already defined on line ${issues.lineOf(first)}; names must be unique`);
  else seen.set(name, path);
}

/**
 * The structure of one part of the file (keys, shapes, enum names); its problems are added at their paths. A part
 * whose only problems are unknown fields is given back without them, so that its values are still checked by the
 * API's rules: every problem is reported at once, an unknown field does not hide a bad interval beside it.
 */
function checkShape<S extends z.ZodType>(schema: S, value: unknown, base: PathItem[], issues: Issues): z.output<S> | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const unknownKeys: { path: PathItem[]; keys: string[] }[] = [];
  for (const issue of parsed.error.issues) {
    const path = issue.path.filter((p): p is PathItem => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      unknownKeys.push({ path, keys: issue.keys });
      for (const key of issue.keys) issues.add([...base, ...path], 'unknown field', key);
    } else issues.add([...base, ...path], issue.message);
  }
  if (unknownKeys.length < parsed.error.issues.length) return undefined;
  const known = schema.safeParse(withoutKeys(value, unknownKeys));
  return known.success ? known.data : undefined;
}

/** A copy of `value` without the keys named at each path. */
function withoutKeys(value: unknown, remove: readonly { path: readonly PathItem[]; keys: readonly string[] }[]): unknown {
  const copy: unknown = structuredClone(value);
  for (const { path, keys } of remove) {
    const holder = path.reduce<unknown>(
      (node, step) => (typeof node === 'object' && node !== null ? (node as Record<PathItem, unknown>)[step] : undefined),
      copy,
    );
    if (typeof holder === 'object' && holder !== null) for (const key of keys) delete (holder as Record<string, unknown>)[key];
  }
  return copy;
}

/** The name an item gives itself even when its shape is wrong, so references to it are not reported as well. */
function nameOf(item: unknown): string | undefined {
  const name = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).name : undefined;
  return typeof name === 'string' ? name.trim() : undefined;
}

function parseAlerts(items: unknown[], issues: Issues, maxBytes: number): ConfigAlert[] {
  const seen = new Map<string, PathItem[]>();
  const alerts: ConfigAlert[] = [];
  for (const [i, item] of items.entries()) {
    const path: PathItem[] = ['alerts', i];
    const alert: FileAlert | undefined = checkShape(ITEM_SCHEMAS.alerts, item, path, issues);
    if (!alert) continue;
    const name = issues.collect(
      () => parseOrThrow(channelName, alert.name, 'name'),
      () => [...path, 'name'],
    );
    if (name !== undefined) checkUnique('alert', name, path, seen, issues);
    // A value copied from the API or a redacted backup would become the secret itself and every send would fail.
    const redacted = Object.keys(alert.settings ?? {}).filter((key) => alert.settings?.[key] === REDACTED);
    for (const key of redacted) issues.add([...path, 'settings', key], `is ${REDACTED}: the file must hold the value itself, as uptop export writes it`);
    if (redacted.length) continue;
    const settings: AlertSettings | undefined = issues.collect(
      () => checkSettings(alert.type, alert.settings ?? {}, maxBytes),
      (field) => [...path, ...splitField(field)],
    );
    if (name !== undefined && settings) alerts.push({ name, provider: alert.type, settings });
  }
  return alerts;
}

/**
 * The monitors of the tree, groups before their children, and every name the file gives a monitor. They are checked
 * MONITORS_PER_STEP per step, a group's children counted as they come.
 */
async function parseMonitors(list: unknown[], alertNames: ReadonlySet<string>, issues: Issues): Promise<[ConfigMonitor[], ReadonlySet<string>]> {
  const seen = new Map<string, PathItem[]>();
  const named = new Set<string>();
  const monitors: ConfigMonitor[] = [];
  let walked = 0;
  const walk = async (items: unknown[], base: PathItem[], group: string | null) => {
    for (const [i, item] of items.entries()) {
      if (walked++ % MONITORS_PER_STEP === 0) await turns.next();
      const path = [...base, i];
      const monitor: FileMonitor | undefined = checkShape(ITEM_SCHEMAS.monitors, item, path, issues);
      const rawName = nameOf(item);
      if (rawName !== undefined) named.add(rawName);
      if (!monitor) continue;
      const config = monitorConfig(monitor, path, group !== null, issues);
      const name = config?.name ?? monitor.name.trim();
      checkUnique('monitor', name, path, seen, issues);
      if (monitor.monitors?.length && monitor.type !== 'GROUP') issues.add(path, 'only a group can contain monitors', 'monitors');
      // Names are trimmed as the alerts' own are; `alert: ""` is the Go original's zero value, no channel.
      const references: [string, PathItem[]][] = [
        ...(monitor.alert?.trim() ? [[monitor.alert.trim(), [...path, 'alert']] as [string, PathItem[]]] : []),
        ...(monitor.alerts ?? []).map((alert, j): [string, PathItem[]] => [alert.trim(), [...path, 'alerts', j]]),
      ];
      for (const [alert, at] of references) {
        if (!alertNames.has(alert)) issues.add(at, `no alert named "${alert}" in this file`);
      }
      if (config) monitors.push({ name, config, parent: group, alerts: [...new Set(references.map(([alert]) => alert))] });
      if (monitor.monitors) await walk(monitor.monitors, [...path, 'monitors'], name);
    }
  };
  await walk(list, ['monitors'], null);
  return [monitors, named];
}

/**
 * A window without `starts_at` starts when it is first applied, which is not known here: its end is then checked
 * against the earliest time there is, so only the window's own fields decide.
 */
const UNKNOWN_START = new Date(-8.64e15);

function parseWindows(items: unknown[], monitorNames: ReadonlySet<string>, issues: Issues): ConfigWindow[] {
  const seen = new Map<string, PathItem[]>();
  const windows: ConfigWindow[] = [];
  for (const [i, item] of items.entries()) {
    const path: PathItem[] = ['maintenance', i];
    const w: FileWindow | undefined = checkShape(ITEM_SCHEMAS.maintenance, item, path, issues);
    if (!w) continue;
    const monitor = w.monitor?.trim() || null;
    if (monitor !== null && !monitorNames.has(monitor)) issues.add([...path, 'monitor'], `no monitor named "${monitor}" in this file`);
    // A window ended before it began has its end at its start (the maintenance service's `end`), and is exported so.
    const calledOff = w.starts_at !== undefined && w.ends_at?.getTime() === w.starts_at.getTime();
    const input = {
      title: w.title,
      description: w.description,
      type: w.type,
      startsAt: w.starts_at,
      endsAt: calledOff ? undefined : w.ends_at,
      recurrence: w.recurrence,
      durationMinutes: w.duration_minutes,
      timezone: w.timezone,
    };
    const fields = issues.collect(
      () => parseWindowFields(input, UNKNOWN_START),
      (field) => [...path, WINDOW_FILE_KEY_OF[field] ?? field],
    );
    if (!fields) continue;
    checkUnique('maintenance window', fields.title, path, seen, issues);
    const { siteId: _none, ...rest } = fields;
    windows.push({ ...rest, ...(calledOff && { endsAt: w.ends_at! }), monitor });
  }
  return windows;
}

/**
 * The document's value. The yaml package refuses, by a throw, what only making the value shows: aliases that would
 * expand a small file into a huge one (a "billion laughs" file).
 */
function plainValue(doc: Document, issues: Issues): unknown {
  try {
    return doc.toJS();
  } catch (err) {
    issues.addAt(null, [], err instanceof Error ? err.message : String(err));
    return issues.fail();
  }
}

/**
 * Reads a config file (YAML, or JSON, which is YAML) and checks it with the API's own rules. Throws a ConfigFileError
 * listing every problem as `file:line: path: message`; returns a config whose every name reference is defined in it.
 *
 * The monitors are checked in steps. The yaml package reads the text in one piece (half a second for the 900 KB export
 * of 10,000 monitors), and the document it makes, which gives each problem its line, can neither be made in steps nor
 * be handed over: `parseConfigText` runs all of this in a worker for a large file.
 */
export async function parseConfigFile(text: string, fileName: string, options: ParseOptions = {}): Promise<ParsedConfig> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source = new SourceMap(doc, lines);
  // Typed, so that `issues.fail()` ends the function for the compiler too.
  const issues: Issues = new Issues(fileName, source);
  for (const error of doc.errors) issues.addAt(source.lineAt(error.pos[0]), [], error.message);
  issues.throwIfAny();

  const file = checkShape(fileSchema, plainValue(doc, issues), [], issues);
  if (!file) issues.fail();
  const alerts = parseAlerts(file.alerts ?? [], issues, options.settingValueBytes ?? Number.POSITIVE_INFINITY);
  const alertNames = new Set((file.alerts ?? []).map((item) => nameOf(item)).filter((name) => name !== undefined));
  const [monitors, monitorNames] = await parseMonitors(file.monitors ?? [], alertNames, issues);
  const maintenance = parseWindows(file.maintenance ?? [], monitorNames, issues);
  issues.throwIfAny();
  return { fileName, alerts, monitors, maintenance };
}
