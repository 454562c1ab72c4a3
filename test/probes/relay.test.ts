import { describe, expect, it, vi } from 'vitest';
import { twoInstances, useClusterServices } from '../helpers/cluster.ts';
import { probeCall, probeToken } from './helpers.ts';

const services = useClusterServices();

const CREATE_SITE = `mutation { createSite(input: { name: "web", type: HTTP, url: "http://127.0.0.1:9/", interval: 60 }) { ... on SitePayload { site { id } } } }`;

describe('/api/probe/results at an instance that checks only some of the sites, while Redis is away', () => {
  it('answers 503 (not 200) for results it cannot relay, and the retry once Redis is back counts each result once', async () => {
    const { a, b, nodeA, logA, pollChanges } = await twoInstances(services);
    const { token } = await probeToken(a);
    // Sites until one is checked by each instance: the probe's report goes to `a`.
    const ids: number[] = [];
    while (!ids.some((id) => nodeA.owns(id)) || !ids.some((id) => !nodeA.owns(id))) {
      const created = await a.request<{ createSite: { site: { id: string } } }>(CREATE_SITE, {}, a.users.admin.token);
      ids.push(Number(Buffer.from(created.data!.createSite.site.id, 'base64').toString().split(':')[1]));
    }
    const ours = ids.find((id) => nodeA.owns(id))!;
    const theirs = ids.find((id) => !nodeA.owns(id))!;
    await pollChanges(theirs);
    const checkedAt = new Date(Math.min(a.clock.nowMs(), b.deps.clock.nowMs())).toISOString();
    const body = {
      node_id: 'eu-1',
      results: [ours, theirs].map((site_id) => ({ site_id, latency_ns: 12e6, is_up: true, status: 'UP', status_code: 200, checked_at: checkedAt })),
    };
    const published = (msg: string) => logA.lines().some((l) => l.msg === msg && l.role === 'publish');
    const rows = (siteId: number) => b.deps.db.check.count({ where: { siteId, nodeId: 'eu-1' } });

    await services.redis.down();
    await vi.waitFor(() => expect(published('lost the connection to Redis; reconnecting (events between instances stop until it is back)')).toBe(true), {
      timeout: 5000,
      interval: 10,
    });
    const refused = await probeCall(a, '/api/probe/results', { token, body });
    expect([refused.status, refused.text]).toEqual([503, 'Service Unavailable: results for sites another instance checks could not be relayed; retry']);
    expect(refused.headers.get('retry-after')).toBe('1');

    // The probe retries the whole report once Redis is back, until the other instance has it.
    await services.redis.up();
    await vi.waitFor(() => expect(published('reconnected to Redis')).toBe(true), { timeout: 10_000, interval: 10 });
    await vi.waitFor(
      async () => {
        expect((await probeCall(a, '/api/probe/results', { token, body })).status).toBe(200);
        await b.deps.writer.flush();
        expect(await rows(theirs)).toBe(1);
      },
      { timeout: 10_000, interval: 50 },
    );
    await Promise.all([a.app.deps.writer.flush(), b.deps.writer.flush()]);
    // Each result is one check row, however often the report came.
    expect([await rows(ours), await rows(theirs)]).toEqual([1, 1]);
  });
});
