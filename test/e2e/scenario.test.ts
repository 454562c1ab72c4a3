import { onTestFinished } from 'vitest';
import { decodeId } from '../../src/graphql/ids.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { startHttpTarget } from '../helpers/targets.ts';
import { createSite } from '../helpers/sites.ts';
import { collectSse, collectWs, wsClient, type Collected } from '../helpers/clients.ts';

const CREATE_CHANNEL = /* GraphQL */ `
  mutation Channel($input: CreateAlertChannelInput!) {
    createAlertChannel(input: $input) { __typename ... on AlertChannelPayload { alertChannel { id } } ... on Error { message } }
  }
`;
const CHECK_NOW = /* GraphQL */ `
  mutation CheckNow($id: ID!) { checkSiteNow(input: { id: $id }) { __typename ... on SitePayload { site { status } } ... on Error { message } } }
`;
const STATUS_CHANGED = /* GraphQL */ `
  subscription Changes($ids: [ID!]) {
    siteStatusChanged(siteIds: $ids) { site { id name } change { siteId from to reason } }
  }
`;

async function checkNow(t: TestApp, id: string): Promise<string> {
  const res = await t.request<{ checkSiteNow: { site?: { status: string } } }>(CHECK_NOW, { id }, t.users.editor.token);
  expect(res.errors).toBeUndefined();
  return res.ok().checkSiteNow.site!.status;
}

/** Status changes delivered so far, as `FROM>TO`, leaving out the synchronisation markers. */
const transitions = (c: Collected) =>
  c.results
    .map((r) => r.data?.siteStatusChanged?.change)
    .filter((change) => change && change.reason !== 'sync')
    .map((change) => `${change.from}>${change.to}`);

describe('end to end', () => {
  it('a failing HTTP target turns DOWN for graphql-ws and SSE subscribers and alerts; restored, it turns UP', async ({ app: t, editor, viewer }) => {
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const receiver = await startReceiver();

    const channel = await editor.request<{ createAlertChannel: { alertChannel?: { id: string } } }>(CREATE_CHANNEL, {
      input: { name: 'on-call hook', provider: 'WEBHOOK', settings: { url: `${receiver.url}/hook` } },
    });
    const channelId = channel.ok().createAlertChannel.alertChannel!.id;
    const site = await createSite(t, { name: 'shop', type: 'HTTP', url: target.url, interval: 60, alertChannelIds: [channelId] });
    expect(await checkNow(t, site.id)).toBe('UP');

    const ws = collectWs(wsClient(t.wsUrl, viewer.token), STATUS_CHANGED, { ids: [site.id] });
    const sse = await collectSse(t.graphqlUrl, STATUS_CHANGED, { token: viewer.token, variables: { ids: [site.id] } });
    expect(sse.status).toBe(200);
    // Neither transport acknowledges a subscription, so a marker goes through the engine's pubsub until both have it.
    const siteId = decodeId(site.id, 'Site')!;
    await expect
      .poll(() => {
        t.app.deps.pubsub.publish('site:statusChanged', { siteId, from: 'UP', to: 'UP', reason: 'sync', changedAt: new Date() });
        return ws.results.length > 0 && sse.results.length > 0;
      })
      .toBe(true);

    target.reply({ status: 500, body: 'broken' });
    const downAlert = receiver.nextRequest();
    expect(await checkNow(t, site.id)).toBe('DOWN');
    await expect.poll(() => transitions(ws)).toEqual(['UP>DOWN']);
    await expect.poll(() => transitions(sse)).toEqual(['UP>DOWN']);
    expect(ws.results.at(-1)?.data?.siteStatusChanged.site).toEqual({ id: site.id, name: 'shop' });
    const down = (await downAlert).json() as { event: string; site: { name: string; status: string } };
    expect(down).toMatchObject({ event: 'down', site: { name: 'shop', status: 'DOWN' } });

    target.reply({ status: 200, body: 'ok' });
    const upAlert = receiver.nextRequest();
    expect(await checkNow(t, site.id)).toBe('UP');
    await expect.poll(() => transitions(ws)).toEqual(['UP>DOWN', 'DOWN>UP']);
    await expect.poll(() => transitions(sse)).toEqual(['UP>DOWN', 'DOWN>UP']);
    expect(((await upAlert).json() as { event: string }).event).toBe('up');
    expect(receiver.requests.map((r) => r.path)).toEqual(['/hook', '/hook']);
  });
});
