import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { twoInstances, useClusterServices } from '../helpers/cluster.ts';
import { startHttpTarget } from '../helpers/targets.ts';

const services = useClusterServices();

const CREATE_PUSH = `mutation { createSite(input: { name: "cron", type: PUSH, interval: 60 }) { ... on SitePayload { site { id pushToken } } } }`;

/** Two instances (twoInstances), a site made on the first, the engine that checks it, and the other instance. */
async function siteOnTwoInstances(create: string) {
  const { a, b, bUrl, nodeA, logA, logB, pollChanges } = await twoInstances(services, { UPTOP_ALLOW_PRIVATE_TARGETS: 'true' });
  const created = await a.request<{ createSite: { site: { id: string; pushToken: string } } }>(create, {}, a.users.admin.token);
  const { id, pushToken } = created.data!.createSite.site;
  const siteId = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
  await pollChanges(siteId);
  const aOwns = nodeA.owns(siteId);
  return {
    a,
    id,
    siteId,
    pushToken,
    owner: aOwns ? a.app.deps.engine : b.deps.engine,
    otherUrl: aOwns ? bUrl : a.url,
    otherLog: aOwns ? logB : logA,
  };
}

describe('/api/push at an instance that does not check the site, while Redis is away', () => {
  it('answers 503 (not 200) for a beat it cannot relay, and relays the retry once Redis is back', async () => {
    const { owner, otherUrl, otherLog, siteId, pushToken } = await siteOnTwoInstances(CREATE_PUSH);
    const published = (msg: string) => otherLog.lines().some((l) => l.msg === msg && l.role === 'publish');

    await services.redis.down();
    // The instance that takes the beat has seen its connection to Redis go.
    await vi.waitFor(() => expect(published('lost the connection to Redis; reconnecting (events between instances stop until it is back)')).toBe(true), {
      timeout: 5000,
      interval: 10,
    });
    for (const path of [`/api/push/${pushToken}?status=up&msg=lost`, '/api/push']) {
      const res = await fetch(`${otherUrl}${path}`, { headers: { authorization: `Bearer ${pushToken}` } });
      expect([res.status, res.headers.get('retry-after'), await res.text()]).toEqual([503, '1', 'Service Unavailable: the beat could not be relayed; retry']);
    }
    // The heartbeat mutation, the same beat over GraphQL, says so too instead of ok.
    const mutation = await fetch(`${otherUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($t: String!) { heartbeat(input: { token: $t }) { __typename ... on Error { message } } }',
        variables: { t: pushToken },
      }),
    });
    expect((await mutation.json()).data.heartbeat).toEqual({
      __typename: 'ConflictError',
      message: 'the beat could not be handed to the instance that checks this monitor; retry',
    });
    expect(owner.getState(siteId)!.lastCheckAt).toBe(null);

    // The sender retries once Redis is back: that beat reaches the owner.
    await services.redis.up();
    await vi.waitFor(() => expect(published('reconnected to Redis')).toBe(true), { timeout: 10_000, interval: 10 });
    await vi.waitFor(
      async () => {
        const res = await fetch(`${otherUrl}/api/push/${pushToken}?status=up&msg=retried`);
        expect(res.status).toBe(200);
        expect(owner.getState(siteId)).toMatchObject({ status: 'UP' });
      },
      { timeout: 10_000, interval: 50 },
    );
  });
});

describe('checkSiteNow at an instance that does not check the site', () => {
  it('has the instance that does check it now, and answers with that check', async () => {
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const create = `mutation { createSite(input: { name: "web", type: HTTP, url: "${target.url}", interval: 300 }) { ... on SitePayload { site { id pushToken } } } }`;
    const { a, id, owner, otherUrl, siteId } = await siteOnTwoInstances(create);
    await vi.waitFor(() => expect(owner.getState(siteId)?.status).toBe('UP'), { timeout: 5000, interval: 20 });
    const before = target.requests.length;
    target.reply({ status: 503 });
    const res = await fetch(`${otherUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.users.admin.token}` },
      body: JSON.stringify({
        query: 'mutation($id: ID!) { checkSiteNow(input: { id: $id }) { __typename ... on SitePayload { site { statusCode } } ... on Error { message } } }',
        variables: { id },
      }),
    });
    // It was the owner that checked (the other instance checks nothing of it), and the answer shows that check.
    expect((await res.json()).data.checkSiteNow).toEqual({ __typename: 'SitePayload', site: { statusCode: 503 } });
    expect(target.requests.length).toBe(before + 1);
    expect(owner.getState(siteId)?.statusCode).toBe(503);
  });
});
