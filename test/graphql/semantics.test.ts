import { decodeId } from '../../src/graphql/ids.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { createdLongAgo, createSite } from '../helpers/sites.ts';

const HOUR = 3600 * 1000;

describe('checkSiteNow', () => {
  describe('with the checks recorded', () => {
    const checked: string[] = [];
    it.override({
      appOptions: {
        runCheck: async (site) => {
          checked.push(site.name);
          return { status: 'UP', statusCode: 200, latencyMs: 1, hasSsl: false, certExpiresAt: null, message: '' };
        },
      },
    });

    it('answers a paused site with a ConflictError and checks nothing', async ({ app: t, editor }) => {
      const paused = await createSite(t, { name: 'paused', type: 'HTTP', url: 'http://127.0.0.1:1/', paused: true });
      const res = await editor.request('mutation($id: ID!) { checkSiteNow(input: { id: $id }) { __typename ... on Error { message } } }', { id: paused.id });
      expect(res.ok().checkSiteNow).toEqual({ __typename: 'ConflictError', message: expect.stringMatching(/paused/) });
      expect(checked).toEqual([]);
      expect(await t.app.deps.db.check.count()).toBe(0);

      const running = await createSite(t, { name: 'running', type: 'HTTP', url: 'http://127.0.0.1:1/' });
      const ok = await editor.request('mutation($id: ID!) { checkSiteNow(input: { id: $id }) { __typename } }', { id: running.id });
      expect(ok.ok().checkSiteNow).toEqual({ __typename: 'SitePayload' });
      expect(checked).toContain('running');
    });
  });
});

describe('Site.uptime', () => {
  it('reads a `to` in the future as now', async ({ app: t, viewer }) => {
    const site = await createSite(t, { name: 'down', type: 'PUSH' });
    await createdLongAgo(t, decodeId(site.id, 'Site')!);
    const now = t.clock.nowMs();
    await t.app.deps.writer.submit((tx) =>
      tx.stateChange.create({
        data: { siteId: decodeId(site.id, 'Site')!, fromStatus: 'UP', toStatus: 'DOWN', reason: 'r', changedAt: new Date(now - 2 * HOUR) },
      }),
    );
    const uptime = async (to: number) =>
      (
        await viewer.request(
          'query($id: ID!, $from: DateTime, $to: DateTime) { site(id: $id) { uptime(from: $from, to: $to) { downtimeSeconds uptimePercent } } }',
          { id: site.id, from: new Date(now - HOUR).toISOString(), to: new Date(to).toISOString() },
        )
      ).ok().site.uptime;
    expect(await uptime(now + 24 * HOUR)).toEqual({ downtimeSeconds: 3600, uptimePercent: 0 });
    expect(await uptime(now + 24 * HOUR)).toEqual(await uptime(now));
    expect((await uptime(now - HOUR / 2)).downtimeSeconds).toBe(1800);
  });
});
