import fs from 'node:fs';
import type { Checker, CheckResult } from '../../src/engine/checks/types.ts';
import type { TestApp } from '../helpers/app.ts';

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

/** One request to a backup route; `token` becomes `Authorization: Bearer`, a non-string body is sent as JSON. */
export async function call(t: TestApp, method: 'GET' | 'POST', path: string, opts: { token?: string | null; body?: unknown } = {}): Promise<Answer> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The admin's export, parsed; `redact` false asks for the secrets. */
export async function exportAs(t: TestApp, token: string, redact = true): Promise<any> {
  const res = await call(t, 'GET', `/api/backup/export${redact ? '' : '?redact_secrets=false'}`, { token });
  if (res.status !== 200) throw new Error(`export failed: ${res.status} ${res.text}`);
  return JSON.parse(res.text);
}

export function readFixture(name: string): any {
  return JSON.parse(fs.readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
}

/**
 * Outbound checks without traffic: each site checked is noted in `checked`; a site whose name says "down" is DOWN
 * (HTTP 500), every other UP. Imported sites name real hosts, which must not be contacted.
 */
export function stubChecks(checked: number[]): Checker {
  return async (site): Promise<CheckResult> => {
    checked.push(site.id);
    return /down/.test(site.name)
      ? { status: 'DOWN', statusCode: 500, latencyMs: 3, hasSsl: false, certExpiresAt: null, message: 'HTTP 500' }
      : { status: 'UP', statusCode: 200, latencyMs: 1, hasSsl: false, certExpiresAt: null, message: '' };
  };
}

/** Every row an import replaces, as stored once the engine and writer are idle, to compare before and after. */
export async function snapshot(t: TestApp): Promise<unknown> {
  await t.app.deps.engine.whenIdle();
  await t.app.deps.writer.flush();
  const db = t.app.deps.db;
  const byId = { orderBy: { id: 'asc' } } as const;
  return {
    sites: await db.site.findMany(byId),
    channels: await db.alertChannel.findMany(byId),
    links: await db.siteAlertChannel.findMany({ orderBy: [{ siteId: 'asc' }, { alertChannelId: 'asc' }] }),
    windows: await db.maintenanceWindow.findMany(byId),
    checks: await db.check.findMany(byId),
    stateChanges: await db.stateChange.findMany(byId),
    runtime: await db.siteRuntimeState.findMany({ orderBy: { siteId: 'asc' } }),
    health: await db.alertHealth.findMany({ orderBy: { alertChannelId: 'asc' } }),
    users: await db.user.findMany(byId),
  };
}

/** The sites as stored, by id, with their channel ids in order; and every channel with its settings opened. */
export async function stored(t: TestApp) {
  const { db, services } = t.app.deps;
  const sites = await db.site.findMany({ orderBy: { id: 'asc' }, include: { alertChannels: { select: { alertChannelId: true } } } });
  const channels = await db.alertChannel.findMany({ orderBy: { id: 'asc' } });
  const site = (id: number) => {
    const found = sites.find((s) => s.id === id);
    if (!found) throw new Error(`no site ${id}`);
    return found;
  };
  return {
    ids: sites.map((s) => s.id),
    site,
    links: (id: number) =>
      site(id)
        .alertChannels.map((l) => l.alertChannelId)
        .sort((a, b) => a - b),
    channels,
    settingsOf: (channel: (typeof channels)[number]) => services.alertChannels.settingsOf(channel),
  };
}
