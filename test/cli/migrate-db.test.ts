import { tablesInOrder } from '../../src/cli/migrate-db.ts';
import type { Db } from '../../src/db/client.ts';
import { storeFor } from '../../src/db/store.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { pgQuery, usePostgres } from '../helpers/postgres.ts';
import { createSite } from '../helpers/sites.ts';
import { graphql, serve, uptop } from './uptop.ts';

const postgres = usePostgres();

const UPDATE_SITE = /* GraphQL */ `
  mutation Move($input: UpdateSiteInput!) { updateSite(input: $input) { __typename } }
`;
const SITES = '{ sites(first: 50) { totalCount edges { node { id name type parent { id } } } } }';

type Row = Record<string, unknown>;

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
});
