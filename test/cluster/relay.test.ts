import { describe, expect, it, vi } from 'vitest';
import { twoInstances, useClusterServices } from '../helpers/cluster.ts';

const services = useClusterServices();

const CREATE_PUSH = `mutation { createSite(input: { name: "cron", type: PUSH, interval: 60 }) { ... on SitePayload { site { id pushToken } } } }`;
const SITE = `query($id: ID!) { site(id: $id) { status lastCheckAt latencyMs recentChecks { status } } }`;

describe('two instances on PostgreSQL and Redis', () => {
  it('split the slots, and /readyz names the instance, its share and the members', async () => {
    const { a, bUrl, nodeA, nodeB, stop } = await twoInstances(services);
    try {
      expect([nodeA.status().slotsHeld, nodeB.status().slotsHeld]).toEqual([128, 128]);
      const ready = await (await fetch(`${bUrl}/readyz`)).text();
      expect(ready).toBe('ready\ninstance: b\nslots held: 128 of 256\nmembers: a, b');
      const status = await a.request('{ engineStatus { cluster { instanceId members slotsHeld slotsTotal } } }', {}, a.users.viewer.token);
      expect(status.data).toEqual({ engineStatus: { cluster: { instanceId: 'a', members: ['a', 'b'], slotsHeld: 128, slotsTotal: 256 } } });
    } finally {
      await stop();
    }
  });

  it("takes a beat at the instance that does not check the site to the one that does, and both answer with the owner's state", async () => {
    const { a, b, bUrl, nodeA, pollChanges, stop } = await twoInstances(services);
    try {
      const created = await a.request<{ createSite: { site: { id: string; pushToken: string } } }>(CREATE_PUSH, {}, a.users.admin.token);
      const { id, pushToken } = created.data!.createSite.site;
      const siteId = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
      // b hears of the site through the change signal that a raised with it.
      await pollChanges(siteId);
      // The beat goes to whichever instance does not own the site.
      const [ownerUrl, otherUrl] = nodeA.owns(siteId) ? [a.url, bUrl] : [bUrl, a.url];
      const beat = await fetch(`${otherUrl}/api/push/${pushToken}?status=up&msg=ok&ping=42`);
      expect(beat.status).toBe(200);
      for (const url of [ownerUrl, otherUrl]) {
        await vi.waitFor(
          async () => {
            const res = await fetch(`${url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${a.users.viewer.token}` },
              body: JSON.stringify({ query: SITE, variables: { id } }),
            });
            const { data } = (await res.json()) as { data: { site: { status: string; latencyMs: number; recentChecks: { status: string }[] } } };
            expect(data.site).toMatchObject({ status: 'UP', latencyMs: 42, recentChecks: [{ status: 'UP' }] });
          },
          { timeout: 5000, interval: 50 },
        );
      }
      // One check row: the owner's, not one per instance.
      await Promise.all([a.app.deps.writer.flush(), b.deps.writer.flush()]);
      const rows = await a.app.deps.db.check.findMany({ where: { siteId } });
      expect(rows.map((r) => [r.status, r.latencyMs])).toEqual([['UP', 42]]);
    } finally {
      await stop();
    }
  });

  it("takes a probe's results for a site another instance checks to that instance, which records them", async () => {
    const { a, b, nodeA, pollChanges, stop } = await twoInstances(services);
    try {
      const created = await a.request<{ createSite: { site: { id: string } } }>(
        'mutation { createSite(input: { name: "web", type: HTTP, url: "http://127.0.0.1:9/", interval: 60 }) { ... on SitePayload { site { id } } } }',
        {},
        a.users.admin.token,
      );
      const siteId = Number(Buffer.from(created.data!.createSite.site.id, 'base64').toString().split(':')[1]);
      await pollChanges(siteId);
      const [owner, other] = nodeA.owns(siteId) ? [a.app, b] : [b, a.app];
      const result = { siteId, status: 'UP' as const, latencyMs: 12, statusCode: 200, message: '', hasSsl: false, certExpiresAt: null, checkedAt: null };
      // Taken by none here: it goes to the owner.
      const outcome = other.deps.engine.ingestProbeResults('eu-1', [result]);
      expect(outcome.taken).toBe(0);
      expect(await outcome.relayed).toBe(true);
      await vi.waitFor(
        async () =>
          expect(await owner.deps.db.check.findMany({ where: { siteId }, select: { nodeId: true, latencyMs: true } })).toContainEqual({
            nodeId: 'eu-1',
            latencyMs: 12,
          }),
        {
          timeout: 5000,
          interval: 50,
        },
      );
    } finally {
      await stop();
    }
  });
});
