import { graphql } from '../gql/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { statementCounter } from '../helpers/count-statements.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { globalId } from '../helpers/ids.ts';

const Dashboard = graphql(`
  query QueriesDashboard($first: Int) {
    sites(first: $first) {
      edges {
        node {
          id
          name
          status
          displayStatus
          latencyMs
          alertChannels { name health { sendCount } }
          parent { name }
          children { name }
        }
      }
    }
  }
`);

const Engine = graphql(`
  query QueriesEngine($first: Int) {
    engineStatus { running sites up down pending paused maintenance queueDepth droppedWrites checksPerMinute }
    logs(first: $first) { message createdAt siteId }
  }
`);

const Pause = graphql(`
  mutation QueriesPause($input: SetSitePausedInput!) { setSitePaused(input: $input) { __typename } }
`);

/** 5 groups with 9 children each, every site alerting through two of three channels. */
async function seed(t: TestApp): Promise<void> {
  const now = new Date();
  await t.app.deps.writer.submit(async (tx) => {
    for (let c = 1; c <= 3; c++) {
      await tx.alertChannel.create({
        data: { name: `channel ${c}`, provider: 'SLACK', settings: '{"url":"https://x.example"}', createdAt: now, updatedAt: now },
      });
    }
    for (let g = 0; g < 5; g++) {
      const group = await tx.site.create({ data: { name: `group ${g}`, type: 'GROUP', createdAt: now, updatedAt: now } });
      for (let c = 0; c < 9; c++) {
        await tx.site.create({ data: { name: `site ${g}.${c}`, type: 'PUSH', parentId: group.id, createdAt: now, updatedAt: now } });
      }
    }
    const sites = await tx.site.findMany({ select: { id: true } });
    await tx.siteAlertChannel.createMany({
      data: sites.flatMap((s) => [
        { siteId: s.id, alertChannelId: 1 + (s.id % 3) },
        { siteId: s.id, alertChannelId: 1 + ((s.id + 1) % 3) },
      ]),
    });
  });
  await t.app.deps.engine.siteChanged(1);
}

describe('queries', () => {
  describe("with the reader's queries counted", () => {
    const statements = statementCounter();
    it.override({ appOptions: { wrapReadDb: statements.wrap } });

    it('loads sites with channels, parents and children in a fixed number of queries (no N+1)', async ({ app: t, viewer }) => {
      await seed(t);

      const run = async (first: number) => {
        const before = statements.count;
        const res = await viewer.request(Dashboard, { first });
        expect(res.errors).toBeUndefined();
        expect(res.ok().sites.edges).toHaveLength(first);
        return { used: statements.count - before, edges: res.ok().sites.edges };
      };
      const small = await run(10);
      const large = await run(50);
      expect(large.used).toBe(small.used);
      // One query resolves the bearer token, one loads the page with every relation.
      expect(large.used).toBeLessThanOrEqual(2);

      const group = large.edges[0]!.node;
      expect(group).toMatchObject({ name: 'group 0', parent: null, status: 'PENDING' });
      expect(group.children).toHaveLength(9);
      expect(group.alertChannels).toHaveLength(2);
      expect(large.edges[1]!.node.parent).toEqual({ name: 'group 0' });
      expect(large.edges[1]!.node.alertChannels[0]!.health).toEqual({ sendCount: 0 });
    });
  });

  it('reports the engine status and its log newest first, at most 100 entries', async ({ editor, viewer }) => {
    await editor.request('mutation { createSite(input: { name: "job", type: PUSH }) { __typename } }', {});
    const id = globalId('Site', 1);
    await editor.request(Pause, { input: { id, paused: true } });
    await editor.request(Pause, { input: { id, paused: false } });

    const res = await viewer.request(Engine, { first: 2 });
    expect(res.errors).toBeUndefined();
    expect(res.ok().engineStatus).toMatchObject({ running: true, sites: 1, paused: 0, droppedWrites: 0 });
    expect(res.ok().logs).toHaveLength(2);
    expect(res.ok().logs.map((l) => l.message)).toEqual([expect.stringMatching(/resumed/), expect.stringMatching(/paused/)]);
    expect(res.ok().logs[0]!.siteId).toBe(id);

    const tooMany = await viewer.request(Engine, { first: 101 });
    expect(tooMany.code).toBe('BAD_USER_INPUT');
    // The same rule and words as `first` on the connections.
    expect(tooMany.errors?.[0]?.message).toBe('first must be at most 100');
  });
});
