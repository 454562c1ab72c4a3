import { toSqlDate } from '../../src/db/sql-date.ts';
import { globalId } from '../../src/graphql/ids.ts';
import { LIST_LIMIT } from '../../src/graphql/lists.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { createSite } from '../helpers/sites.ts';

/** Inserts `count` PUSH sites named `bulk <i>` in one statement (createMany through Prisma takes half a minute here). */
async function insertSites(t: TestApp, count: number, parentId: number | null = null): Promise<void> {
  const now = toSqlDate(new Date());
  await t.app.deps.writer.submit(
    (tx) =>
      tx.$executeRaw`INSERT INTO "Site" ("name", "type", "parentId", "createdAt", "updatedAt")
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${count - 1})
      SELECT 'bulk ' || i, 'PUSH', ${parentId}, ${now}, ${now} FROM n`,
  );
}

const ids = (edges: { node: { id: string } }[]) => edges.map((e) => e.node.id);

describe('sites(status:)', () => {
  it("filters a fleet larger than SQLite's variable limit, pages it, and counts it", async ({ app: t, viewer }) => {
    const paused = await createSite(t, { name: 'paused', type: 'PUSH', paused: true });
    // Unknown to the engine until its next reconcile, so PENDING; more sites than SQLite binds variables (32,766).
    await insertSites(t, 33_000);
    const token = viewer.token;
    const query =
      'query($s: [DisplayStatus!], $after: String, $before: String, $first: Int, $last: Int) { sites(status: $s, first: $first, after: $after, last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor } edges { node { id displayStatus } } } }';

    const pending = await t.request(query, { s: ['PENDING'], first: 3 }, token);
    expect(pending.errors).toBeUndefined();
    expect(pending.ok().sites.totalCount).toBe(33_000);
    expect(ids(pending.ok().sites.edges)).toEqual([2, 3, 4].map((n) => globalId('Site', n)));
    expect(pending.ok().sites.pageInfo.hasNextPage).toBe(true);

    const next = await t.request(query, { s: ['PENDING'], first: 2, after: pending.ok().sites.pageInfo.endCursor }, token);
    expect(ids(next.ok().sites.edges)).toEqual([5, 6].map((n) => globalId('Site', n)));
    const back = await t.request(query, { s: ['PENDING'], last: 2, before: next.ok().sites.pageInfo.startCursor }, token);
    expect(ids(back.ok().sites.edges)).toEqual([3, 4].map((n) => globalId('Site', n)));

    const onlyPaused = await t.request(query, { s: ['PAUSED'], first: 10 }, token);
    expect(onlyPaused.ok().sites).toMatchObject({ totalCount: 1, edges: [{ node: { id: paused.id, displayStatus: 'PAUSED' } }] });
    expect(onlyPaused.ok().sites.pageInfo.hasNextPage).toBe(false);

    const last = await t.request(query, { s: ['PENDING', 'PAUSED'], last: 1 }, token);
    expect(ids(last.ok().sites.edges)).toEqual([globalId('Site', 33_001)]);
    expect((await t.request(query, { s: ['DOWN'], first: 5 }, token)).ok().sites).toMatchObject({ totalCount: 0, edges: [] });
  }, 30_000);
});

describe('capped lists', () => {
  it(`alertChannels and users return at most ${LIST_LIMIT}, page with first/after, and refuse more or a bad after`, async ({ app: t, admin }) => {
    const now = new Date();
    await t.app.deps.writer.submit((tx) =>
      tx.alertChannel.createMany({
        data: Array.from({ length: LIST_LIMIT + 5 }, (_, i) => ({
          name: `c${i}`,
          provider: 'SLACK' as const,
          settings: '{"url":"https://x.example"}',
          createdAt: now,
          updatedAt: now,
        })),
      }),
    );
    const token = admin.token;
    const all = await t.request('{ alertChannels { id } }', {}, token);
    expect(all.ok().alertChannels).toHaveLength(LIST_LIMIT);
    const rest = await t.request('query($after: ID) { alertChannels(after: $after) { id } }', { after: all.ok().alertChannels.at(-1).id }, token);
    expect(rest.ok().alertChannels.map((c: { id: string }) => c.id)).toEqual([101, 102, 103, 104, 105].map((n) => globalId('AlertChannel', n)));
    expect((await t.request('{ alertChannels(first: 2) { name } }', {}, token)).ok().alertChannels).toEqual([{ name: 'c0' }, { name: 'c1' }]);

    for (const [query, code] of [
      [`{ alertChannels(first: ${LIST_LIMIT + 1}) { id } }`, 'BAD_USER_INPUT'],
      ['{ alertChannels(after: "garbage") { id } }', 'BAD_USER_INPUT'],
      [`{ alertChannels(after: "${globalId('Site', 1)}") { id } }`, 'BAD_USER_INPUT'],
      [`{ users(first: ${LIST_LIMIT + 1}) { id } }`, 'BAD_USER_INPUT'],
      ['{ users(after: "garbage") { id } }', 'BAD_USER_INPUT'],
    ]) {
      const res = await t.request(query!, {}, token);
      expect(
        res.errors?.map((e) => e.extensions?.code),
        query,
      ).toEqual([code]);
    }

    const users = await t.request('query($after: ID) { users(first: 2, after: $after) { username } }', { after: admin.id }, token);
    expect(users.ok().users).toEqual([{ username: 'editor' }, { username: 'viewer' }]);
  });

  it('Site.children and AlertChannel.sites are capped and paged the same way', async ({ app: t, viewer }) => {
    const group = await createSite(t, { name: 'group', type: 'GROUP' });
    await insertSites(t, LIST_LIMIT + 3, 1);
    const now = new Date();
    await t.app.deps.writer.submit(async (tx) => {
      await tx.alertChannel.create({ data: { name: 'c', provider: 'SLACK', settings: '{"url":"https://x.example"}', createdAt: now, updatedAt: now } });
      await tx.siteAlertChannel.createMany({ data: Array.from({ length: LIST_LIMIT + 3 }, (_, i) => ({ siteId: i + 2, alertChannelId: 1 })) });
    });
    const token = viewer.token;
    const children = await t.request('query($id: ID!) { site(id: $id) { children { id } } }', { id: group.id }, token);
    expect(children.ok().site.children).toHaveLength(LIST_LIMIT);
    const more = await t.request(
      'query($id: ID!, $after: ID) { site(id: $id) { children(after: $after) { name } } }',
      { id: group.id, after: globalId('Site', LIST_LIMIT + 1) },
      token,
    );
    expect(more.ok().site.children).toEqual([{ name: `bulk ${LIST_LIMIT}` }, { name: `bulk ${LIST_LIMIT + 1}` }, { name: `bulk ${LIST_LIMIT + 2}` }]);

    const channelSites = await t.request('{ alertChannels { sites { id } } }', {}, token);
    expect(channelSites.ok().alertChannels[0].sites).toHaveLength(LIST_LIMIT);
    const firstTwo = await t.request('{ alertChannels { sites(first: 2) { name } } }', {}, token);
    expect(firstTwo.ok().alertChannels[0].sites).toEqual([{ name: 'bulk 0' }, { name: 'bulk 1' }]);

    const bad = await t.request('query($id: ID!) { site(id: $id) { name children(after: "garbage") { id } } }', { id: group.id }, token);
    expect(bad.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const tooMany = await t.request(`{ alertChannels { name sites(first: ${LIST_LIMIT + 1}) { id } } }`, {}, token);
    expect(tooMany.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('connections asked for first and last at once', () => {
  it('refuse them with BAD_USER_INPUT on every connection, which once answered last rows for first', async ({ app: t, viewer, site }) => {
    const queries = [
      '{ sites(first: 3, last: 2) { edges { node { id } } } }',
      '{ maintenanceWindows(first: 3, last: 2) { edges { node { id } } } }',
      `{ site(id: "${site.id}") { checks(first: 3, last: 2) { edges { node { checkedAt } } } } }`,
      `{ site(id: "${site.id}") { stateChanges(first: 3, last: 2) { edges { node { changedAt } } } } }`,
    ];
    for (const query of queries) {
      const res = await t.request(query, {}, viewer.token);
      expect([query, res.code, res.errors?.[0]?.message]).toEqual([query, 'BAD_USER_INPUT', 'last cannot be given with first: ask for a page from one end']);
    }
    const one = await t.request('{ sites(last: 1) { edges { node { id } } } }', {}, viewer.token);
    expect(one.ok().sites.edges).toEqual([{ node: { id: site.id } }]);
  });
});
