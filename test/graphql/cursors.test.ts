import { collectWs, wsClient } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { capturingLogger } from '../helpers/log.ts';

const base64 = (s: string) => Buffer.from(s).toString('base64');

/** Decodable cursors of the plugin's own format whose value is not a row id, and cursors that are not even that. */
const BAD_CURSORS = ['GPC:N:abc', 'GPC:S:1', 'GPC:J:{}', 'GPC:N:1e400', 'GPC:N:99999999999999999999', 'GPC:N:-1', 'GPC:N:1.5']
  .map(base64)
  .concat(['garbage', '']);

describe('cursors and ids from clients', () => {
  describe('with the log captured', () => {
    const captured = capturingLogger('info');
    it.override({ appOptions: { logger: captured.logger } });

    it('answers a malformed cursor on every connection with BAD_USER_INPUT, logging nothing at error level', async ({ app: t, admin, viewer }) => {
      const token = viewer.token;
      await admin.request('mutation { createSite(input: { name: "a", type: PUSH }) { __typename } }', {});

      for (const cursor of BAD_CURSORS) {
        const queries = {
          sites: `query($c: String) { sites(first: 2, after: $c) { edges { node { id } } } }`,
          sitesBefore: `query($c: String) { sites(last: 2, before: $c) { edges { node { id } } } }`,
          maintenanceWindows: `query($c: String) { maintenanceWindows(after: $c) { edges { node { id } } } }`,
        };
        for (const [name, query] of Object.entries(queries)) {
          const res = await t.request(query, { c: cursor }, token);
          expect(
            res.errors?.map((e) => e.extensions?.code),
            `${name} ${cursor}`,
          ).toEqual(['BAD_USER_INPUT']);
        }
      }
      expect(captured.lines().filter((l) => l.level >= 50)).toEqual([]);
    });
  });

  it('fails only Site.checks and Site.stateChanges for a bad cursor there, not the site query', async ({ app: t, admin, viewer }) => {
    const token = viewer.token;
    await admin.request('mutation { createSite(input: { name: "a", type: PUSH }) { __typename } }', {});
    for (const field of ['checks', 'stateChanges']) {
      for (const cursor of BAD_CURSORS) {
        const res = await t.request(
          `query($id: ID!, $c: String) { site(id: $id) { name ${field}(after: $c) { totalCount edges { cursor } } } }`,
          { id: base64('Site:1'), c: cursor },
          token,
        );
        expect(res.errors, `${field} ${cursor}`).toHaveLength(1);
        expect(res.errors![0]!.path).toEqual(['site', field]);
        expect(res.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
      }
    }
    const good = await t.request(`query($id: ID!) { site(id: $id) { checks(first: 1) { edges { cursor } } } }`, { id: base64('Site:1') }, token);
    expect(good.errors).toBeUndefined();
  });

  it('pages Site.checks with the cursors it hands out', async ({ app: t, admin, viewer }) => {
    await admin.request('mutation { createSite(input: { name: "a", type: PUSH }) { __typename } }', {});
    const now = Date.now();
    await t.app.deps.writer.submit((tx) =>
      tx.check.createMany({ data: [1, 2, 3].map((i) => ({ siteId: 1, checkedAt: new Date(now + i * 1000), up: true, status: 'UP' as const })) }),
    );
    const page = async (after?: string) =>
      (
        await viewer.request(
          `query($id: ID!, $after: String) { site(id: $id) { checks(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { checkedAt } } } } }`,
          { id: base64('Site:1'), after },
        )
      ).ok().site.checks;
    const first = await page();
    expect(first.totalCount).toBe(3);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await page(first.pageInfo.endCursor);
    expect([...first.edges, ...second.edges].map((e: { node: { checkedAt: string } }) => Date.parse(e.node.checkedAt))).toEqual([
      now + 3000,
      now + 2000,
      now + 1000,
    ]);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('answers node() with an unreadable id with BAD_USER_INPUT, and one naming no Node type with null', async ({ app: t, viewer }) => {
    const token = viewer.token;
    for (const id of ['garbage', base64('no colon')]) {
      const res = await t.request('query($id: ID!) { node(id: $id) { id } }', { id }, token);
      expect(
        res.errors?.map((e) => e.extensions?.code),
        id,
      ).toEqual(['BAD_USER_INPUT']);
    }
    for (const id of [base64('Nope:1'), base64('Check:1'), base64('Site:abc'), base64('Site:99')]) {
      const res = await t.request('query($id: ID!) { node(id: $id) { id } }', { id }, token);
      expect(res, id).toMatchObject({ data: { node: null } });
      expect(res.errors, id).toBeUndefined();
    }
  });

  it('answers a malformed cursor over graphql-ws with BAD_USER_INPUT too', async ({ app: t, viewer }) => {
    const result = collectWs(wsClient(t.wsUrl, viewer.token), `{ sites(after: "${base64('GPC:N:abc')}") { totalCount } }`);
    await result.done;
    expect(result.results[0]?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
