import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { tablesInOrder } from '../../src/cli/migrate-db.ts';
import type { Db } from '../../src/db/client.ts';
import { listMigrations, migrate, MIGRATIONS_DIR } from '../../src/db/migrate.ts';
import { storeFor } from '../../src/db/store.ts';
import { parseDatabaseUrl } from '../../src/db/url.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { pgQuery, usePostgres } from '../helpers/postgres.ts';
import { seedFullWorld } from '../helpers/full-world.ts';
import { createSite } from '../helpers/sites.ts';
import { closedPort } from '../helpers/targets.ts';
import { graphql, serve, tempDir, uptop } from './uptop.ts';

const postgres = usePostgres();

const UPDATE_SITE = /* GraphQL */ `
  mutation Move($input: UpdateSiteInput!) { updateSite(input: $input) { __typename } }
`;
const SITES = '{ sites(first: 50) { totalCount edges { node { id name type parent { id } } } } }';

type Row = Record<string, unknown>;

/** The tables of a PostgreSQL database's public schema: none in a database nothing was created in. */
async function pgTables(url: string): Promise<string[]> {
  const rows = await pgQuery<{ name: string }>(url, `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
  return rows.map((r) => r.name);
}

/** The same URL with a password: the cluster trusts loopback, so it is accepted and ignored, and must never be printed. */
function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

/** Every row of every table, in key order: two databases with equal dumps hold the same data, ids included. */
async function dump(db: Db): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const t of tablesInOrder()) {
    const delegate = (db as unknown as Record<string, { findMany(args: object): Promise<Row[]> }>)[t.delegate]!;
    out[t.model] = await delegate.findMany({ orderBy: t.key.map((k) => ({ [k]: 'asc' })) });
  }
  return out;
}

// Spawns the CLI three times and a server: seconds each on a busy machine.
describe('uptop migrate-db', { timeout: 120_000 }, () => {
  it('copies a SQLite installation into an empty PostgreSQL database, ids kept, and the server runs on it', async ({ app: t, admin, site, channel }) => {
    // Sites whose group comes after them in id order, a channel, users, sessions, an API token, checks and rollups.
    const early = await createSite(t, { name: 'early child', type: 'HTTP', url: 'http://127.0.0.1:9/', paused: true });
    const group = await createSite(t, { name: 'the group', type: 'GROUP' });
    const moved = await admin.request(UPDATE_SITE, { input: { id: early.id, parentId: group.id, alertChannelIds: [channel.id] } });
    expect(moved.data).toEqual({ updateSite: { __typename: 'SitePayload' } });
    const token = await uptop(['token', 'create', 'editor', '--name', 'ci', '--write'], { DATABASE_URL: t.db.url });
    expect(token.code).toBe(0);
    const source = await t.db.open();
    const siteId = (await source.site.findFirstOrThrow({ where: { name: site.name } })).id;
    const at = new Date('2026-11-01T10:00:00.123Z');
    const checks = (await source.check.count()) + 1203;
    await source.check.createMany({
      data: Array.from({ length: 1203 }, (_, i) => ({ siteId, checkedAt: new Date(at.getTime() + i * 1000), up: i % 7 !== 0, status: 'UP', latencyMs: i / 3 })),
    });
    await source.checkRollup.createMany({
      data: [60_000, 3_600_000].map((width) => ({
        siteId,
        width,
        start: at,
        count: 3,
        upCount: 2,
        latencyCount: 3,
        latencySum: 4.5,
        latencyMin: null,
        latencyMax: 2,
        sketch: '{"1":3}',
      })),
    });
    const before = await graphql(t.url, SITES, {}, admin.token);
    await t.stop();
    const expected = await dump(source);
    expect(expected.Check).toHaveLength(checks);
    expect(expected.ApiToken).toHaveLength(1);
    expect(expected.Session!.length).toBeGreaterThanOrEqual(3);

    const target = await postgres.createDatabase();
    const run = await uptop(['migrate-db', '--from', t.db.url, '--to', target, '--batch-size', '100'], {});
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`Check: ${checks}\n`);
    expect(run.stdout).toMatch(/^copied \d+ rows from .+ to postgresql:\/\/postgres@127\.0\.0\.1:\d+\/uptop_\w+\n$/m);

    const copy = await storeFor(target).openWriter();
    try {
      expect(await dump(copy)).toEqual(expected);
      // The next row gets a new id: the sequences were moved past the copied ones.
      const maxSite = Math.max(...expected.Site!.map((s) => s.id as number));
      expect((await copy.site.create({ data: { name: 'after the move', type: 'PUSH' } })).id).toBe(maxSite + 1);
      expect((await copy.check.create({ data: { siteId, checkedAt: at, up: true, status: 'UP' } })).id).toBe(checks + 1);
    } finally {
      await copy.$disconnect();
    }

    // The server on PostgreSQL answers the sessions issued on SQLite with the same sites.
    const server = await serve([], { DATABASE_URL: target, UPTOP_ALLOW_PRIVATE_TARGETS: 'true' });
    const after = await graphql(server.url, SITES, {}, admin.token);
    expect(after.errors).toBeUndefined();
    const { edges } = after.data.sites as { edges: { node: { name: string } }[] };
    expect(edges.filter((e) => e.node.name !== 'after the move')).toEqual(before.data.sites.edges);
    expect(edges.map((e) => e.node.name)).toContain('after the move');
    expect(await server.stop()).toBe(0);
  });

  it('SQLite → PostgreSQL → SQLite gives back every row of every table, every column as it was', async ({ app: t }) => {
    const world = await seedFullWorld(t);
    expect(await uptop(['token', 'create', 'editor', '--name', 'ci', '--write', '--expires-in', '7d'], { DATABASE_URL: t.db.url })).toMatchObject({ code: 0 });
    await t.stop();
    const source = await t.db.open();
    // The tables the engine, the cluster and the probes fill, with values a store could bend: fractions, odd text.
    const at = new Date('2026-11-01T10:00:00.123Z');
    const siteId = world.http.id;
    const text = 'HTTP 503 — «Service Unavailable» 🚧\nline two\t"quoted" \\ back';
    await source.check.createMany({
      data: [
        { siteId, checkedAt: at, up: false, status: 'DOWN', latencyMs: 1 / 3, statusCode: 503, message: text, nodeId: 'eu-1' },
        { siteId, checkedAt: new Date(at.getTime() + 1), up: true, status: 'UP', latencyMs: 0.1 + 0.2, statusCode: 200, message: '' },
      ],
    });
    await source.stateChange.create({ data: { siteId, fromStatus: 'UP', toStatus: 'SSL_EXPIRED', reason: text, changedAt: at } });
    await source.log.create({ data: { message: text, siteId, createdAt: at } });
    // The engine stored a state for the site at start; every column is set away from its default.
    const runtime = {
      status: 'DOWN',
      failureCount: 4,
      statusCode: 503,
      latencyMs: 12.345678901234,
      lastCheckAt: at,
      lastSuccessAt: new Date(at.getTime() - 999),
      statusChangedAt: at,
      lastError: text,
      hasSsl: true,
      certExpiresAt: new Date('2027-01-01T00:00:00.001Z'),
      sentSslWarning: true,
      lastAlertAt: at,
      updatedAt: at,
    } as const;
    await source.siteRuntimeState.upsert({ where: { siteId }, update: runtime, create: { siteId, ...runtime } });
    await source.checkRollup.create({
      data: {
        siteId,
        width: 3600,
        start: at,
        count: 7,
        upCount: 5,
        latencyCount: 6,
        latencySum: 1e-9 + 12.5,
        latencyMin: 0.001,
        latencyMax: 1e6,
        sketch: '{"3":4}',
      },
    });
    const channelId = world.channels[0]!.id;
    await source.alertHealth.create({ data: { alertChannelId: channelId, lastSendAt: at, lastSendOk: false, lastError: text, sendCount: 9, failCount: 2 } });
    const token = await source.apiToken.findFirstOrThrow();
    await source.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: at } });
    const probeToken = await source.apiToken.create({
      data: { name: 'probe', tokenHash: 'f'.repeat(64), readOnly: false, scope: 'PROBE', userId: token.userId, createdAt: at },
    });
    await source.probeNode.create({ data: { id: 'eu-1', name: 'Frankfurt', region: 'eu', lastSeen: at, version: '1.2.3', tokenId: probeToken.id } });
    await source.clusterMember.create({ data: { id: 'node-a', startedAt: at, heartbeatAt: at } });
    await source.slotLease.create({ data: { slot: 3, owner: 'node-a', fence: 12, expiresAt: at } });
    await source.alertOutbox.create({
      data: {
        key: 'k1',
        siteId,
        alertChannelId: channelId,
        payload: '{"x":1}',
        createdAt: at,
        nextAttemptAt: at,
        attempts: 2,
        claimedBy: 'node-a',
        claimedUntil: at,
        sentAt: at,
        lastError: text,
      },
    });
    const expected = await dump(source);
    await source.$disconnect();
    for (const [model, rows] of Object.entries(expected)) expect({ model, empty: rows.length === 0 }).toEqual({ model, empty: false });

    const pg = await postgres.createDatabase();
    expect(await uptop(['migrate-db', '--from', t.db.url, '--to', pg], {})).toMatchObject({ code: 0, stderr: '' });
    const back = `file:${path.join(tempDir(), 'back.db')}`;
    expect(await uptop(['migrate-db', '--from', pg, '--to', back], {})).toMatchObject({ code: 0, stderr: '' });
    const copy = await storeFor(back).openWriter();
    try {
      expect(await dump(copy)).toEqual(expected);
    } finally {
      await copy.$disconnect();
    }
  });

  it('copies text PostgreSQL cannot hold (a NUL a push job sent in its message) with the NUL replaced, and says so', async ({ app: t, site }) => {
    const beat = await fetch(`${t.url}/api/push/${site.pushToken}?status=down&msg=${encodeURIComponent('exit 3\u0000tail')}`);
    expect(beat.status).toBe(200);
    await t.stop();
    const pg = await postgres.createDatabase();
    const run = await uptop(['migrate-db', '--from', t.db.url, '--to', pg], {});
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('Check.message: 1 NUL character replaced by U+FFFD (PostgreSQL text cannot hold one)\n');
    expect(await pgQuery(pg, `SELECT message FROM "Check"`)).toEqual([{ message: 'exit 3\uFFFDtail' }]);
  });

  it('refuses a target that holds rows, and bad options, changing nothing', async ({ app: t }) => {
    await t.stop();
    const target = await postgres.createDatabase();
    expect(await uptop(['migrate-db', '--from', t.db.url, '--to', target], {})).toMatchObject({ code: 0, stderr: '' });
    const counts = () => pgQuery(target, `SELECT (SELECT count(*) FROM "User")::int AS users, (SELECT count(*) FROM "Session")::int AS sessions`);
    const copied = await counts();
    expect(copied).toEqual([{ users: 3, sessions: 3 }]);

    const again = await uptop(['migrate-db', '--from', t.db.url, '--to', target], {});
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr).toMatch(/^uptop: the target database is not empty \(rows in .*User.*\): migrate-db copies into a new, empty database only\n$/);
    expect(await counts()).toEqual(copied);

    expect(await uptop(['migrate-db', '--from', t.db.url, '--to', 'mysql://db/uptop'], {})).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^uptop: --to: must start with "file:"/),
    });
    expect(await uptop(['migrate-db', '--from', t.db.url, '--to', t.db.url], {})).toMatchObject({
      code: 2,
      stderr: 'uptop: --from and --to are the same database\n',
    });
    expect(await uptop(['migrate-db', '--from', t.db.url, '--to', target, '--batch-size', '0'], {})).toMatchObject({ code: 2 });
  });

  it('refuses a --from that is not an existing uptop database (SQLite), exit 1, creating nothing on either side', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'target.db');
    const to = `file:${target}`;
    const missing = (file: string) => ({
      code: 1,
      stdout: '',
      stderr: `uptop: --from: there is no database at ${file} (no such file): migrate-db copies an existing uptop database\n`,
    });

    // A typo, or a relative path run from another directory: no such file, nor its folder.
    const typo = path.join(dir, 'dtaa', 'uptop.db');
    expect(await uptop(['migrate-db', '--from', `file:${typo}`, '--to', to], {})).toEqual(missing(typo));
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(elsewhere);
    expect(await uptop(['migrate-db', '--from', 'file:./data/uptop.db', '--to', to], {}, '', elsewhere)).toEqual(
      missing(path.join(elsewhere, 'data', 'uptop.db')),
    );
    expect(fs.readdirSync(elsewhere)).toEqual([]);

    // A file that is not uptop's: empty, another application's database, not a database at all; each left as it was.
    const empty = path.join(dir, 'empty.db');
    fs.writeFileSync(empty, '');
    const other = path.join(dir, 'other.db');
    const conn = new Database(other);
    conn.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')");
    conn.close();
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'not a database\n');
    const before = [empty, other, text].map((f) => fs.readFileSync(f));
    const runs = await Promise.all([empty, other, text].map((f) => uptop(['migrate-db', '--from', `file:${f}`, '--to', to], {})));
    expect(runs).toEqual([
      {
        code: 1,
        stdout: '',
        stderr: `uptop: --from: ${empty} is not an uptop database (it has no _prisma_migrations table): migrate-db copies an existing uptop database\n`,
      },
      {
        code: 1,
        stdout: '',
        stderr: `uptop: --from: ${other} is not an uptop database (it has no _prisma_migrations table): migrate-db copies an existing uptop database\n`,
      },
      { code: 1, stdout: '', stderr: `uptop: --from: could not read the database at ${text}: file is not a database\n` },
    ]);
    expect([empty, other, text].map((f) => fs.readFileSync(f))).toEqual(before);
    expect(fs.readdirSync(dir).sort()).toEqual(['elsewhere', 'empty.db', 'notes.txt', 'other.db']);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('refuses a --from that is not an uptop database or cannot be reached (PostgreSQL), its password masked, creating nothing', async () => {
    const [source, target] = await Promise.all([postgres.createDatabase(), postgres.createDatabase()]);
    const secret = 'from-s3cret';
    const from = withPassword(source, secret);
    const empty = await uptop(['migrate-db', '--from', from, '--to', target], {});
    expect(empty).toEqual({
      code: 1,
      stdout: '',
      stderr: `uptop: --from: ${withPassword(source, '***')} is not an uptop database (it has no _prisma_migrations table): migrate-db copies an existing uptop database\n`,
    });
    expect(await pgTables(source)).toEqual([]);
    expect(await pgTables(target)).toEqual([]);

    // Nothing listens there (loopback only).
    const port = await closedPort();
    const unreachable = await uptop(['migrate-db', '--from', `postgresql://uptop:${secret}@127.0.0.1:${port}/uptop`, '--to', target], {});
    expect(unreachable).toEqual({
      code: 1,
      stdout: '',
      stderr: `uptop: --from: could not read the database at postgresql://uptop:***@127.0.0.1:${port}/uptop: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    });
    expect(await pgTables(target)).toEqual([]);
  });

  it('migrates an existing uptop source of an older schema forward, then copies it', async () => {
    const dir = tempDir();
    // The database as the first release left it: only the first migration applied, with a user and a site's history.
    const older = path.join(dir, 'migrations');
    const [first] = listMigrations();
    fs.cpSync(path.join(MIGRATIONS_DIR, first!.name), path.join(older, first!.name), { recursive: true });
    const source = `file:${path.join(dir, 'old.db')}`;
    expect(migrate(parseDatabaseUrl(source), older)).toEqual([first!.name]);
    const conn = new Database(path.join(dir, 'old.db'));
    conn.prepare(`INSERT INTO "User" (username, passwordHash, role, updatedAt) VALUES ('ann', 'x', 'ADMIN', 0)`).run();
    conn.exec(`INSERT INTO "Site" (id, name, url, updatedAt) VALUES (1, 'web', 'http://127.0.0.1:1/', 0);
      INSERT INTO "Check" (siteId, checkedAt, up, status) VALUES (1, 0, 0, 'DOWN');
      INSERT INTO "StateChange" (siteId, fromStatus, toStatus, changedAt) VALUES (1, 'UP', 'DOWN', 0);`);
    conn.close();

    const run = await uptop(['migrate-db', '--from', source, '--to', `file:${path.join(dir, 'new.db')}`], {});
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('User: 1\n');
    // Bringing the schema forward redefines Site: its history must come along.
    expect(run.stdout).toContain('Check: 1\n');
    expect(run.stdout).toContain('StateChange: 1\n');
    const migrated = new Database(path.join(dir, 'old.db'), { readonly: true });
    const applied = migrated.prepare('SELECT migration_name AS name FROM _prisma_migrations ORDER BY name').all() as { name: string }[];
    migrated.close();
    expect(applied.map((m) => m.name)).toEqual(listMigrations().map((m) => m.name));
    const copy = new Database(path.join(dir, 'new.db'), { readonly: true });
    expect(copy.prepare('SELECT username FROM "User"').all()).toEqual([{ username: 'ann' }]);
    copy.close();
  });
});
