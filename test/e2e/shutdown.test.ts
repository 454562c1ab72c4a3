import net from 'node:net';
import { onTestFinished } from 'vitest';
import { decodeId } from '../../src/graphql/ids.ts';
import { WriterStoppedError } from '../../src/writer/writer.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { startHttpTarget } from '../helpers/targets.ts';
import { createSite } from '../helpers/sites.ts';
import { collectSse, collectWs, wsClient } from '../helpers/clients.ts';

const CHECK_NOW = /* GraphQL */ `
  mutation CheckNow($id: ID!) { checkSiteNow(input: { id: $id }) { __typename ... on SitePayload { site { status } } } }
`;

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('graceful shutdown', () => {
  it('stops accepting, closes WebSockets with 1001, completes SSE, finishes the in-flight request, then stops engine and writer', async ({
    app: t,
    editor,
    viewer,
  }) => {
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const site = await createSite(t, { name: 'api', type: 'HTTP', url: target.url, interval: 60 });
    const siteId = decodeId(site.id, 'Site')!;
    await editor.request(CHECK_NOW, { id: site.id });

    const ws = wsClient(t.wsUrl, viewer.token);
    const wsSub = collectWs(ws, 'subscription { siteStatusChanged { change { to reason } } }');
    const sse = await collectSse(t.graphqlUrl, 'subscription { siteStatusChanged { change { to reason } } }', { token: viewer.token });
    await expect
      .poll(() => {
        t.app.deps.pubsub.publish('site:statusChanged', { siteId, from: 'UP', to: 'UP', reason: 'sync', changedAt: new Date() });
        return wsSub.results.length > 0 && sse.results.length > 0;
      })
      .toBe(true);

    // The in-flight request: a check whose target holds its answer until released.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    target.handle((_req, res) => {
      void held.then(() => res.end('ok'));
    });
    const targetRequests = target.requests.length;
    const inFlight = t.request<{ checkSiteNow: { site: { status: string } } }>(CHECK_NOW, { id: site.id }, editor.token);
    await expect.poll(() => target.requests.length).toBe(targetRequests + 1);
    await t.app.deps.writer.flush();
    const checksBefore = await t.app.deps.db.check.count({ where: { siteId } });

    const stopping = t.app.stop();
    expect(await connectRefused(t.port)).toBe(true);
    await expect.poll(() => ws.closes).toEqual([1001]);
    await wsSub.done;
    expect(wsSub.errors).toEqual([]);
    await sse.done;
    expect(sse.ending).toBe('complete');
    expect(t.app.deps.engine.running).toBe(true);

    release();
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(answered.data).toEqual({ checkSiteNow: { __typename: 'SitePayload', site: { status: 'UP' } } });
    await stopping;

    expect(t.app.deps.engine.running).toBe(false);
    await expect(t.app.deps.writer.submit(async () => undefined)).rejects.toBeInstanceOf(WriterStoppedError);
    const reopened = await t.db.open();
    expect(await reopened.check.count({ where: { siteId } })).toBe(checksBefore + 1);
  });
});
