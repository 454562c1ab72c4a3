import { applyConfig, exportConfig } from '../../src/config-as-code/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { objectType, selectAll } from '../helpers/everything-query.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { seedFullWorld } from '../helpers/full-world.ts';
import { call, exportAs, stubChecks } from './helpers.ts';

/** A query selected from the schema (every field, objects one level down): a field added to the API is compared too. */
const EVERYTHING = `query Everything($admin: ID!) {
  sites(first: 100) { edges { node { ${selectAll(objectType('Site'), 1)} } } }
  alertChannels { ${selectAll(objectType('AlertChannel'), 1)} }
  maintenanceWindows(first: 100) { edges { node { ${selectAll(objectType('MaintenanceWindow'), 1)} } } }
  users { ${selectAll(objectType('User'), 1)} }
  apiTokens(userId: $admin) { ${selectAll(objectType('ApiToken'), 1)} }
}`;

/**
 * What README says an import replaces with nothing: each site's runtime state and history, alert health; and what a
 * backup never holds: API tokens. Users over HTTP are left as the target has them.
 */
const HISTORY = [
  'status',
  'displayStatus',
  'failureCount',
  'statusCode',
  'latencyMs',
  'lastCheckAt',
  'lastSuccessAt',
  'statusChangedAt',
  'lastError',
  'certExpiresAt',
  'recentChecks',
  'checks',
  'stateChanges',
  'uptime',
  'dailyUptime',
  'probeResults',
  'health',
];
const NOT_IN_A_BACKUP = [...HISTORY, 'apiTokens', 'users'];

/**
 * What README says a config file does not carry beyond a backup's losses: ids (it matches by name), push tokens, when a
 * row was made and changed, and who made a window (the applier).
 */
const NOT_IN_A_FILE = [...NOT_IN_A_BACKUP, 'id', 'pushToken', 'createdAt', 'updatedAt', 'createdBy'];

const appOptions = { runCheck: stubChecks([]), env: { UPTOP_MAX_COST: '1000000', UPTOP_MAX_DEPTH: '20', UPTOP_MAX_RESULT_SIZE: '1000000000' } };

/** An element's key: its name when it has one (a file matches by name, not by id), else its index. */
function keyOf(element: unknown, index: number): string {
  const named = element as { name?: string; title?: string; username?: string; node?: unknown } | null;
  if (named?.node) return keyOf(named.node, index);
  return named?.name ?? named?.title ?? named?.username ?? String(index);
}

/** Every leaf of an answer by its path (`sites.edges.API.node.url`). */
function leaves(value: unknown, path = '', out = new Map<string, unknown>()): Map<string, unknown> {
  const at = (key: string) => (path ? `${path}.${key}` : key);
  if (Array.isArray(value)) value.forEach((inner, i) => leaves(inner, at(keyOf(inner, i)), out));
  else if (value !== null && typeof value === 'object') for (const [key, inner] of Object.entries(value)) leaves(inner, at(key), out);
  if (value === null || typeof value !== 'object' || Object.keys(value).length === 0) out.set(path, value);
  return out;
}

/** The paths whose values differ between two answers. */
function differences(before: unknown, after: unknown): string[] {
  const a = leaves(before);
  const b = leaves(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p))).sort();
}

/** The differences that pass through none of `carriedNot`, the fields README says the round trip does not carry. */
function losses(before: unknown, after: unknown, carriedNot: readonly string[]): string[] {
  return differences(before, after).filter((path) => !path.split('.').some((field) => carriedNot.includes(field)));
}

async function everything(t: TestApp) {
  await t.app.deps.engine.whenIdle();
  await t.app.deps.writer.flush();
  const res = await t.request(EVERYTHING, { admin: t.users.admin.id }, t.users.admin.token);
  expect(res.errors).toBeUndefined();
  return res.data;
}

/** The full world, with history: checks, a state change, an alert sent, an API token. */
async function seedWithHistory(t: TestApp) {
  const world = await seedFullWorld(t);
  for (const site of [world.http, world.port, world.dns]) await t.app.deps.engine.checkNow(site.id);
  const token = await t.request('mutation { createApiToken(input: { name: "grafana", readOnly: false }) { __typename } }', {}, t.users.admin.token);
  expect(token.data).toEqual({ createApiToken: { __typename: 'ApiTokenPayload' } });
  return world;
}

describe('what a backup restores, field by field through the API', () => {
  it.override({ appOptions });

  it('restores every field of sites, channels and windows; loses only what README says a backup does not carry', async ({ app: source, clock }) => {
    await seedWithHistory(source);
    const before = await everything(source);
    const exported = await exportAs(source, source.users.admin.token, false);

    clock.advance(3_600_000);
    const target = await startTestApp({ clock, ...appOptions });
    const res = await call(target, 'POST', '/api/backup/import', { token: target.users.admin.token, body: exported });
    expect(res.status).toBe(200);

    const after = await everything(target);
    expect(differences(before, after).length).toBeGreaterThan(0);
    expect(losses(before, after, NOT_IN_A_BACKUP)).toEqual([]);
  });
});

describe('what config as code restores, field by field through the API', () => {
  it.override({ appOptions });

  it('export then apply to a fresh database', async ({ app: source, clock }) => {
    const { bearer } = await seedWithHistory(source);
    // The file cannot say 0 days (README, Defaults: 0 means the default, as in Go); one day it can.
    await source.app.deps.services.sites.update(bearer.id, { expiryThreshold: 1 });
    const before = await everything(source);
    const file = await exportConfig(source.app.deps, { format: 'yaml' });

    clock.advance(3_600_000);
    const target = await startTestApp({ clock, ...appOptions });
    await applyConfig(target.app.deps, { text: file, fileName: 'uptop.yaml' });

    const after = await everything(target);
    expect(differences(before, after).length).toBeGreaterThan(0);
    expect(losses(before, after, NOT_IN_A_FILE)).toEqual([]);
  });
});
