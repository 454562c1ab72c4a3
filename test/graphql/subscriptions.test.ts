import { print } from 'graphql';
import { onTestFinished, vi } from 'vitest';
import { graphql } from '../gql/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { dataOf, wsClient } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { createSite } from '../helpers/sites.ts';
import { startHttpTarget, type HttpTarget } from '../helpers/targets.ts';

const StatusChanged = graphql(`
  subscription SubStatusChanged($siteIds: [ID!]) {
    siteStatusChanged(siteIds: $siteIds) {
      site { id name status displayStatus failureCount }
      change { siteId from to reason changedAt }
    }
  }
`);

const CheckCompleted = graphql(`
  subscription SubCheckCompleted($siteIds: [ID!]) {
    checkCompleted(siteIds: $siteIds) {
      site { id name }
      check { siteId up status statusCode latencyMs checkedAt }
    }
  }
`);

const EngineStatusSub = graphql(`
  subscription SubEngineStatus { engineStatus { running sites up down pending paused } }
`);

const LogAddedSub = graphql(`
  subscription SubLogAdded { logAdded { message siteId createdAt } }
`);

const SubCheckNow = graphql(`
  mutation SubCheckNow($input: IdInput!) {
    checkSiteNow(input: $input) { __typename ... on SitePayload { site { status } } }
  }
`);

const SubPause = graphql(`
  mutation SubPause($input: SetSitePausedInput!) {
    setSitePaused(input: $input) { __typename }
  }
`);

const SiteChangedSub = graphql(`
  subscription SubSiteChanged($siteIds: [ID!]) { siteChanged(siteIds: $siteIds) { siteId site { id name url interval paused } } }
`);

const SubRename = graphql(`
  mutation SubRename($input: UpdateSiteInput!) { updateSite(input: $input) { __typename } }
`);

const SubDelete = graphql(`
  mutation SubDelete($input: DeleteInput!) { deleteSite(input: $input) { __typename } }
`);

interface Monitored {
  id: string;
  target: HttpTarget;
}

/** An HTTP monitor on its own local target, checked once so it is UP (PENDING → UP is never a recorded change). */
async function monitored(t: TestApp, name: string): Promise<Monitored> {
  const target = await startHttpTarget();
  onTestFinished(() => target.close());
  const { id } = await createSite(t, { name, type: 'HTTP', url: target.url });
  await checkNow(t, id, 'UP');
  return { id, target };
}

async function checkNow(t: TestApp, id: string, expected: string): Promise<void> {
  const res = await t.request(SubCheckNow, { input: { id } }, t.users.editor.token);
  expect(res.ok().checkSiteNow).toEqual({ __typename: 'SitePayload', site: { status: expected } });
}

async function subscribed(t: TestApp, count: number): Promise<void> {
  await vi.waitFor(() => expect(t.app.http.openSubscriptions).toBe(count), { timeout: 5000, interval: 10 });
}

/** Reads a GraphQL-over-SSE response event by event. */
function sseEvents(res: Response): AsyncGenerator<{ event: string; data: string }> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  return (async function* () {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((line) => line && !line.startsWith(':'))
            .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
        );
        if (fields.event) yield { event: fields.event, data: fields.data ?? '' };
      }
    }
  })();
}

function sse(t: TestApp, document: Parameters<typeof print>[0], variables: Record<string, unknown>, token: string | null) {
  return fetch(t.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: print(document), variables }),
  });
}

describe('subscriptions', () => {
  it("siteStatusChanged over graphql-ws delivers only the chosen sites' recorded changes, with live site fields", async ({ app: t, viewer }) => {
    const a = await monitored(t, 'alpha');
    const b = await monitored(t, 'beta');
    const client = wsClient(t.wsUrl, viewer.token);
    const events = client.iterate({ query: print(StatusChanged), variables: { siteIds: [a.id] } });
    const all = client.iterate({ query: print(StatusChanged), variables: {} });
    await subscribed(t, 2);

    a.target.reply({ status: 500 });
    b.target.reply({ status: 503 });
    await checkNow(t, b.id, 'DOWN');
    await checkNow(t, a.id, 'DOWN');
    a.target.reply({ status: 200 });
    await checkNow(t, a.id, 'UP');

    const first = await events.next();
    expect(first.value).toMatchObject({
      data: {
        siteStatusChanged: {
          site: { id: a.id, name: 'alpha' },
          change: { siteId: a.id, from: 'UP', to: 'DOWN', changedAt: t.clock.now().toISOString() },
        },
      },
    });
    expect(dataOf(first.value).siteStatusChanged.change.reason).toMatch(/500/);
    const second = await events.next();
    expect(dataOf(second.value).siteStatusChanged).toMatchObject({ site: { id: a.id, status: 'UP', displayStatus: 'UP' }, change: { from: 'DOWN', to: 'UP' } });

    const everything = [await all.next(), await all.next(), await all.next()].map((r) => dataOf(r.value).siteStatusChanged);
    expect(everything.map((e) => [e.site.name, e.change.to])).toEqual([
      ['beta', 'DOWN'],
      ['alpha', 'DOWN'],
      ['alpha', 'UP'],
    ]);
    await events.return?.();
    await all.return?.();
    await subscribed(t, 0);
  });

  it('checkCompleted over SSE, filtered by site, and refused before it starts when signed out', async ({ app: t, viewer }) => {
    const a = await monitored(t, 'alpha');
    const b = await monitored(t, 'beta');
    const res = await sse(t, CheckCompleted, { siteIds: [b.id] }, viewer.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = sseEvents(res);
    await subscribed(t, 1);

    await checkNow(t, a.id, 'UP');
    b.target.reply({ status: 404 });
    await checkNow(t, b.id, 'DOWN');
    const next = await events.next();
    expect(next.value!.event).toBe('next');
    expect(JSON.parse(next.value!.data)).toEqual({
      data: {
        checkCompleted: {
          site: { id: b.id, name: 'beta' },
          check: { siteId: b.id, up: false, status: 'DOWN', statusCode: 404, latencyMs: expect.any(Number), checkedAt: t.clock.now().toISOString() },
        },
      },
    });
    await events.return(undefined);

    const anonymous = await sse(t, CheckCompleted, {}, null);
    const refused = sseEvents(anonymous);
    const first = await refused.next();
    expect(JSON.parse(first.value!.data).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const bad = sseEvents(await sse(t, CheckCompleted, { siteIds: ['nope'] }, viewer.token));
    expect(JSON.parse((await bad.next()).value!.data).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('ends the subscription of an SSE client that goes away, and keeps serving', async ({ app: t, viewer }) => {
    const controller = new AbortController();
    const res = await fetch(t.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${viewer.token}` },
      body: JSON.stringify({ query: print(LogAddedSub) }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    await subscribed(t, 1);
    controller.abort();
    await subscribed(t, 0);
    t.app.deps.engine.addLog('after the client left', null);
    expect((await viewer.request('{ logs(first: 1) { message } }', {})).data).toEqual({ logs: [{ message: 'after the client left' }] });
  });

  it('refuses a signed-out graphql-ws subscription when it starts', async ({ app: t }) => {
    const client = wsClient(t.wsUrl);
    const it = client.iterate({ query: print(StatusChanged), variables: {} });
    const outcome = await it.next().then(
      (r) => r.value?.errors,
      (err: unknown) => err,
    );
    expect(JSON.stringify(outcome)).toContain('UNAUTHENTICATED');
    expect(t.app.http.openSubscriptions).toBe(0);
  });

  it('engineStatus and logAdded follow the engine', async ({ app: t, clock, editor, viewer }) => {
    const client = wsClient(t.wsUrl, viewer.token);
    const status = client.iterate({ query: print(EngineStatusSub) });
    const logs = client.iterate({ query: print(LogAddedSub) });
    await subscribed(t, 2);

    const { id } = await createSite(t, { name: 'job', type: 'PUSH' });
    await editor.request(SubPause, { input: { id, paused: true } });
    const log = await logs.next();
    expect(dataOf(log.value).logAdded).toMatchObject({ siteId: id, createdAt: clock.now().toISOString() });
    expect(dataOf(log.value).logAdded.message).toMatch(/job/);

    clock.advance(1000);
    const snapshot = await status.next();
    expect(dataOf(snapshot.value).engineStatus).toEqual({ running: true, sites: 1, up: 0, down: 0, pending: 0, paused: 1 });
  });

  it('siteChanged carries edits, pauses and deletes, which no status event does, only for the chosen sites', async ({ app: t, editor, viewer }) => {
    const { id } = await createSite(t, { name: 'Docs', type: 'PUSH' });
    const other = await createSite(t, { name: 'Shop', type: 'PUSH' });
    const client = wsClient(t.wsUrl, viewer.token);
    const changes = client.iterate({ query: print(SiteChangedSub), variables: { siteIds: [id] } });
    await subscribed(t, 1);

    await editor.request(SubRename, { input: { id: other.id, name: 'Shop 2' } });
    await editor.request(SubRename, { input: { id, name: 'Docs (new)', interval: 120 } });
    await editor.request(SubPause, { input: { id, paused: true } });
    await editor.request(SubDelete, { input: { id } });

    const seen = [await changes.next(), await changes.next(), await changes.next()].map((r) => dataOf(r.value).siteChanged);
    expect(seen).toEqual([
      { siteId: id, site: { id, name: 'Docs (new)', url: null, interval: 120, paused: false } },
      { siteId: id, site: { id, name: 'Docs (new)', url: null, interval: 120, paused: true } },
      { siteId: id, site: null },
    ]);
    await changes.return?.();
    await subscribed(t, 0);
  });
});
