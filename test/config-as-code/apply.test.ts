import { parse as parseYaml } from 'yaml';
import fs from 'node:fs';
import { ConflictError } from '../../src/services/errors.ts';
import { applyConfig, ConfigFileError, exportConfig, formatPlan, parseConfigFile, planConfig } from '../../src/config-as-code/index.ts';
import type { Db } from '../../src/db/client.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { GO_EXAMPLE } from './example.ts';

/** Every row a config file describes, with the links, as the database holds them. */
async function snapshot(db: Db) {
  const [sites, channels, windows] = await Promise.all([
    db.site.findMany({ orderBy: { id: 'asc' }, include: { alertChannels: { orderBy: { alertChannelId: 'asc' } } } }),
    db.alertChannel.findMany({ orderBy: { id: 'asc' } }),
    db.maintenanceWindow.findMany({ orderBy: { id: 'asc' } }),
  ]);
  return { sites, channels, windows };
}

const apply = (t: TestApp, text: string, options: { dryRun?: boolean; prune?: boolean } = {}) =>
  applyConfig(t.app.deps, { text, fileName: 'uptop.yaml', ...options });

/** Every field uptop has beyond the Go original, and maintenance windows of both kinds. */
const FULL = `alerts:
  - name: ops
    type: slack
    settings:
      url: https://hooks.slack.com/services/T/B/x
  - name: hook
    type: webhook
    settings: { url: "https://hooks.example.com/x", secret: s3cret }
  - name: phone
    type: ntfy
    settings: { url: "https://ntfy.sh", topic: uptop, priority: 4 }
monitors:
  - name: edge
    type: group
    alerts: [ops, hook]
    monitors:
      - name: api
        type: http
        url: https://api.example.com/health
        method: POST
        headers: { X-Key: abc, X-Num: 1 }
        body: '{"ping": true}'
        auth: { type: basic, username: me, password: pa55 }
        keyword: healthy
        keyword_invert: true
        renotify_minutes: 30
        public: false
        alert: phone
      - name: token api
        type: http
        url: https://token.example.com
        auth: { type: bearer, token: t0ken }
  - name: cron
    type: push
    interval: 3600
maintenance:
  - title: nightly
    monitor: api
    recurrence: "0 2 * * *"
    duration_minutes: 30
    timezone: Europe/Berlin
  - title: migration
    type: incident
    description: moving the database
    starts_at: 2030-01-01T00:00:00Z
    ends_at: 2030-01-01T04:00:00Z
`;

describe('applyConfig', () => {
  it("applies the Go original's example: exactly the rows it describes, field by field", async ({ app: t }) => {
    const result = await apply(t, GO_EXAMPLE);
    expect(formatPlan(result)).toBe(
      [
        '+ create alert "discord-ops"',
        '+ create alert "email-oncall"',
        '+ create monitor "Production"',
        '+ create monitor "API"',
        '+ create monitor "Database"',
        '+ create monitor "DNS"',
        '+ create monitor "Nightly backup"',
        '+ create monitor "Gateway"',
        '8 to create, 0 to update, 0 to delete',
      ].join('\n'),
    );
    expect(result.applied).toBe(true);

    const { sites, channels, windows } = await snapshot(t.app.deps.db);
    expect(windows).toEqual([]);
    expect(channels.map((c) => [c.name, c.provider, JSON.parse(t.app.deps.secretBox.open(c.settings))])).toEqual([
      ['discord-ops', 'DISCORD', { url: 'https://discord.com/api/webhooks/123/abc' }],
      [
        'email-oncall',
        'EMAIL',
        { host: 'smtp.example.com', port: '587', user: 'alerts@example.com', pass: 'hunter2', from: 'alerts@example.com', to: 'oncall@example.com' },
      ],
    ]);
    const [discord, email] = channels.map((c) => c.id);
    const byName = Object.fromEntries(sites.map((s) => [s.name, s]));
    const production = byName.Production!;
    expect(sites).toHaveLength(6);
    expect(production).toMatchObject({ type: 'GROUP', parentId: null, alertChannels: [{ alertChannelId: discord }] });
    expect(byName.API).toMatchObject({
      type: 'HTTP',
      url: 'https://api.example.com/health',
      interval: 30,
      timeout: 5,
      checkSsl: true,
      expiryThreshold: 14,
      acceptedCodes: '200-299,301',
      method: 'GET',
      maxRetries: 2,
      parentId: production.id,
      pushToken: null,
      alertChannels: [{ alertChannelId: discord }],
    });
    expect(byName.Database).toMatchObject({ type: 'PORT', hostname: 'db.example.com', port: 5432, timeout: 10, parentId: production.id, alertChannels: [] });
    expect(byName.DNS).toMatchObject({
      type: 'DNS',
      hostname: 'example.com',
      dnsResolveType: 'MX',
      dnsServer: '1.1.1.1',
      description: 'mail records',
      parentId: null,
    });
    expect(byName['Nightly backup']).toMatchObject({ type: 'PUSH', interval: 86400, alertChannels: [{ alertChannelId: email }] });
    expect(byName['Nightly backup']!.pushToken).toMatch(/^[0-9a-f]{32}$/);
    expect(byName.Gateway).toMatchObject({ type: 'PING', hostname: '10.0.0.1', paused: true, regions: 'eu,us', expiryThreshold: 7, acceptedCodes: '200-299' });

    // The engine was told: it runs every monitor of the file.
    for (const site of sites) expect(t.app.deps.engine.getSite(site.id)?.name).toBe(site.name);
  });

  it('is idempotent: a second apply of the same file plans nothing and writes nothing', async ({ app: t }) => {
    await apply(t, FULL);
    const before = await snapshot(t.app.deps.db);
    const again = await apply(t, FULL);
    expect(again.changes).toEqual([]);
    expect(formatPlan(again)).toBe('No changes');
    expect(await snapshot(t.app.deps.db)).toEqual(before);
  });

  it('plans an edit as `~ update` with the changed fields, and applies exactly those', async ({ app: t }) => {
    await apply(t, FULL);
    const edited = FULL.replace('interval: 3600', 'interval: 600\n    paused: true')
      .replace('https://api.example.com/health', 'https://api.example.com/v2/health')
      .replace('secret: s3cret', 'secret: n3w')
      .replace('alerts: [ops, hook]', 'alerts: [ops]')
      .replace('description: moving the database', 'description: moving the database again');
    const result = await apply(t, edited);
    expect(formatPlan(result)).toBe(
      [
        '~ update alert "hook" (settings.secret)',
        '~ update monitor "edge" (alerts)',
        '~ update monitor "api" (url)',
        '~ update monitor "cron" (interval, paused)',
        '~ update maintenance "migration" (description)',
        '0 to create, 5 to update, 0 to delete',
      ].join('\n'),
    );
    const db = t.app.deps.db;
    expect(await db.site.findFirstOrThrow({ where: { name: 'cron' } })).toMatchObject({ interval: 600, paused: true });
    expect((await db.site.findFirstOrThrow({ where: { name: 'api' } })).url).toBe('https://api.example.com/v2/health');
    const hook = await db.alertChannel.findFirstOrThrow({ where: { name: 'hook' } });
    expect(JSON.parse(t.app.deps.secretBox.open(hook.settings))).toEqual({ url: 'https://hooks.example.com/x', secret: 'n3w' });
    expect((await apply(t, edited)).changes).toEqual([]);
  });

  it('deletes what the file does not name only with prune', async ({ app: t }) => {
    await apply(t, FULL);
    const smaller = `alerts:
  - name: ops
    type: slack
    settings:
      url: https://hooks.slack.com/services/T/B/x
monitors:
  - name: cron
    type: push
    interval: 3600
`;
    const kept = await apply(t, smaller);
    expect(kept.changes).toEqual([]);
    expect((await snapshot(t.app.deps.db)).sites).toHaveLength(4);

    const ids = (await snapshot(t.app.deps.db)).sites.filter((s) => s.name !== 'cron').map((s) => s.id);
    const pruned = await apply(t, smaller, { prune: true });
    expect(formatPlan(pruned)).toBe(
      [
        '- delete alert "hook"',
        '- delete alert "phone"',
        '- delete monitor "api"',
        '- delete monitor "token api"',
        '- delete monitor "edge"',
        '- delete maintenance "nightly"',
        '- delete maintenance "migration"',
        '0 to create, 0 to update, 7 to delete',
      ].join('\n'),
    );
    const after = await snapshot(t.app.deps.db);
    expect(after.sites.map((s) => s.name)).toEqual(['cron']);
    expect(after.channels.map((c) => c.name)).toEqual(['ops']);
    expect(after.windows).toEqual([]);
    for (const id of ids) expect(t.app.deps.engine.getSite(id)).toBeUndefined();
  });

  it('changes nothing on a dry run, and plans what the apply then does', async ({ app: t }) => {
    await apply(t, GO_EXAMPLE);
    const before = await snapshot(t.app.deps.db);
    const dry = await apply(t, FULL, { dryRun: true, prune: true });
    expect(dry.applied).toBe(false);
    expect(dry.summary).toBe('9 to create, 0 to update, 8 to delete');
    expect(await snapshot(t.app.deps.db)).toEqual(before);
    const parsed = await parseConfigFile(FULL, 'uptop.yaml');
    expect(await planConfig(t.app.deps, parsed, { prune: true })).toEqual({ changes: dry.changes, summary: dry.summary });
    const real = await apply(t, FULL, { prune: true });
    expect(real.changes).toEqual(dry.changes);
  });

  it('is atomic: a plan that fails midway leaves the database as it was', async ({ app: t }) => {
    await apply(t, GO_EXAMPLE);
    // A constraint the database enforces, met only after the alert and several monitors of the plan were written.
    await t.app.deps.writer.submit((tx) =>
      tx.$executeRawUnsafe(`CREATE TRIGGER refuse_boom BEFORE INSERT ON "Site" WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ABORT, 'no boom'); END`),
    );
    const before = await snapshot(t.app.deps.db);
    // The alert "new", the update of API and the monitor "aaa" are written before "boom" fails.
    const failing = `${GO_EXAMPLE.replace('interval: 30', 'interval: 45')}  - name: aaa
    type: push
  - name: boom
    type: push
`.replace('alerts:\n', 'alerts:\n  - name: new\n    type: slack\n    settings: { url: "https://hooks.slack.com/n" }\n');
    expect((await apply(t, failing, { dryRun: true, prune: true })).changes.slice(0, 3)).toEqual([
      { action: 'create', kind: 'alert', name: 'new' },
      { action: 'update', kind: 'monitor', name: 'API', changes: ['interval'] },
      { action: 'create', kind: 'monitor', name: 'aaa' },
    ]);
    // The adapter reports a trigger's abort as a foreign key violation.
    await expect(apply(t, failing, { prune: true })).rejects.toThrow(/constraint violated/);
    expect(await snapshot(t.app.deps.db)).toEqual(before);
  });

  it('refuses a bad file with a ConfigFileError and writes nothing', async ({ app: t }) => {
    await apply(t, GO_EXAMPLE);
    const before = await snapshot(t.app.deps.db);
    const error = await apply(t, GO_EXAMPLE.replace('interval: 30', 'interval: 2'), { prune: true }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as ConfigFileError).issues.map((i) => i.message)).toEqual(['uptop.yaml:26: monitors[0].monitors[0].interval: must be at least 5 seconds']);
    expect(await snapshot(t.app.deps.db)).toEqual(before);
  });

  it('takes accepted codes above 599, any three-digit status a server can send', async ({ app: t }) => {
    await apply(t, 'monitors:\n  - name: odd\n    type: http\n    url: https://odd.example.com/\n    accepted_codes: "200-299,700-799,999"\n');
    const row = await t.app.deps.db.site.findFirstOrThrow({ where: { name: 'odd' } });
    expect(row.acceptedCodes).toBe('200-299,700-799,999');
  });

  it('matches by name: rows made through the API are updated in place, and the engine hears of it', async ({ app: t }) => {
    const site = await t.app.deps.services.sites.create({ name: 'cron', type: 'PUSH', interval: 60 });
    const result = await apply(t, 'monitors:\n  - name: cron\n    type: push\n    interval: 3600\n');
    expect(formatPlan(result)).toBe('~ update monitor "cron" (interval)\n0 to create, 1 to update, 0 to delete');
    const row = await t.app.deps.db.site.findUniqueOrThrow({ where: { id: site.id } });
    expect(row).toMatchObject({ interval: 3600, pushToken: site.pushToken });
    expect(t.app.deps.engine.getSite(site.id)?.interval).toBe(3600);
  });
  it('starts a window without starts_at when first applied, and does not bring back one that has ended', async ({ app: t, clock }) => {
    const text = `maintenance:
  - title: now
    ends_at: 2999-01-01T00:00:00Z
  - title: history
    starts_at: 2020-01-01T00:00:00Z
    ends_at: 2020-01-02T00:00:00Z
`;
    const first = await apply(t, text);
    expect(formatPlan(first)).toBe('+ create maintenance "now"\n1 to create, 0 to update, 0 to delete');
    const [window] = (await snapshot(t.app.deps.db)).windows;
    expect(window).toMatchObject({ title: 'now', siteId: null, type: 'MAINTENANCE', createdBy: 'uptop apply' });
    expect(window!.startsAt.getTime()).toBe(clock.nowMs());
    // An hour later (timers need not fire): the start stays what it was.
    clock.set(clock.nowMs() + 3_600_000);
    expect((await apply(t, text)).changes).toEqual([]);
  });

  it('refuses a file that would leave a monitor it does not name inside a monitor that is no longer a group', async ({ app: t }) => {
    await apply(t, 'monitors:\n  - name: g\n    type: group\n');
    const group = await t.app.deps.db.site.findFirstOrThrow({ where: { name: 'g' } });
    await t.app.deps.services.sites.create({ name: 'made in the UI', type: 'PUSH', parentId: group.id });
    const before = await snapshot(t.app.deps.db);
    const error = await apply(t, 'monitors:\n  - name: g\n    type: push\n').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).message).toMatch(/"made in the UI" would be inside "g"/);
    expect(await snapshot(t.app.deps.db)).toEqual(before);
  });

  it("applies the README's example and prints what the README shows", async ({ app: t }) => {
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Config as code'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const shown = /# make the database match the file\n((?:# .*\n)+)/.exec(section)![1]!.replace(/^# /gm, '');
    expect(`${formatPlan(await apply(t, example))}\n`).toBe(shown);
  });
});

describe('applyConfig with secrets encrypted at rest', () => {
  it.override({ appOptions: { env: { UPTOP_ENCRYPTION_KEY: 'cd'.repeat(32) } } });

  it('stores alert settings and auth secrets sealed, compares them opened, and exports them in plain text', async ({ app: t }) => {
    await apply(t, FULL);
    const { sites, channels } = await snapshot(t.app.deps.db);
    const hook = channels.find((c) => c.name === 'hook')!;
    const api = sites.find((s) => s.name === 'api')!;
    expect(hook.settings).toMatch(/^enc:v1:/);
    expect(hook.settings).not.toContain('s3cret');
    expect(api.authSecret).toMatch(/^enc:v1:/);
    // Sealing uses a fresh nonce each time: only a comparison of the opened values finds no change.
    expect((await apply(t, FULL)).changes).toEqual([]);
    const yaml = await exportConfig(t.app.deps);
    expect(yaml).toContain('secret: s3cret');
    expect(yaml).toContain('password: pa55');
    expect((await apply(t, yaml)).changes).toEqual([]);
  });
});

describe('exportConfig', () => {
  it('round-trips: the export of every field applies as no change, to the same and to an empty database', async ({ app: t }) => {
    await apply(t, FULL);
    const yaml = await exportConfig(t.app.deps, { format: 'yaml' });
    expect(yaml).toContain('plain text');
    expect(yaml).toContain('secret: s3cret');
    expect(yaml).toContain('password: pa55');
    expect((await apply(t, yaml, { prune: true })).changes).toEqual([]);
    const json = await exportConfig(t.app.deps, { format: 'json' });
    // The same document: JSON is YAML, so both read back as the same data.
    expect(JSON.parse(json)).toEqual(parseYaml(yaml));
    expect((await apply(t, json, { prune: true })).changes).toEqual([]);
  });

  it('leaves out default values and nests children under their group', async ({ app: t }) => {
    await apply(t, 'monitors:\n  - name: g\n    type: group\n    monitors:\n      - { name: c, type: push, interval: 60, method: GET, expiry_threshold: 7 }\n');
    expect(await exportConfig(t.app.deps)).toBe(
      [
        '# uptop configuration (uptop apply -f <file>). It holds alert secrets in plain text: keep it private.',
        '',
        'monitors:',
        '  - name: g',
        '    type: group',
        '    monitors:',
        '      - name: c',
        '        type: push',
        '',
      ].join('\n'),
    );
  });
});
