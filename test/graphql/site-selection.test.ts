import { vi } from 'vitest';
import type { AppOverrides } from '../../src/app.ts';
import type { Db } from '../../src/db/client.ts';
import { decodeId } from '../../src/graphql/ids.ts';
import type { TestApp } from '../helpers/app.ts';
import { collectWs, dataOf, wsClient, type Collected } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { createSite } from '../helpers/sites.ts';

/** Every column the Site type shows, the secrets among them, and live fields. */
const COLUMNS = `
  id name type url hostname port interval timeout maxRetries method acceptedCodes checkSsl expiryThreshold ignoreTls
  dnsResolveType dnsServer paused description regions httpBody authType authUsername hasAuthSecret keyword keywordInvert
  renotifyMinutes createdAt updatedAt pushToken httpHeaders status displayStatus failureCount inMaintenance
`;
const RELATIONS = 'name parent { name } children { name } alertChannels { name }';

const statusChanged = (selection: string) => `subscription { siteStatusChanged { site { ${selection} } change { reason } } }`;
const siteQuery = (selection: string) => `query($id: ID!) { site(id: $id) { ${selection} } }`;

/** Every check succeeds at once, without the network. */
const runCheck: AppOverrides['runCheck'] = async () => ({ status: 'UP', statusCode: 200, latencyMs: 1, hasSsl: false, certExpiresAt: null, message: '' });

/** Counts the reader's Site queries. */
function countSiteQueries() {
  const counter = { site: 0 };
  const wrapReadDb = (db: Db) =>
    db.$extends({
      query: {
        async $allOperations({ model, args, query }) {
          if (model === 'Site') counter.site++;
          return query(args);
        },
      },
    }) as unknown as Db;
  return { counter, wrapReadDb };
}

/** A group, and an HTTP site in it with headers, a secret and an alert channel; a push site beside them. */
async function seed(t: TestApp) {
  const channel = await t.request<{ createAlertChannel: { alertChannel: { id: string } } }>(
    'mutation($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { ... on AlertChannelPayload { alertChannel { id } } } }',
    { input: { name: 'ops', provider: 'WEBHOOK', settings: { url: 'https://hooks.example.com/x' } } },
    t.users.admin.token,
  );
  const group = await createSite(t, { name: 'group', type: 'GROUP' });
  const http = await createSite(t, {
    name: 'api',
    type: 'HTTP',
    url: 'https://api.example.com/health',
    parentId: group.id,
    httpHeaders: { 'X-Key': 'k' },
    authType: 'BASIC',
    authUsername: 'u',
    authSecret: 's3cret',
    description: 'the API',
    alertChannelIds: [channel.ok().createAlertChannel.alertChannel.id],
  });
  const push = await createSite(t, { name: 'job', type: 'PUSH' });
  return { group, http, push };
}

async function subscribe(t: TestApp, token: string, selection: string): Promise<Collected> {
  const before = t.app.http.openSubscriptions;
  const collected = collectWs(wsClient(t.wsUrl, token), statusChanged(selection));
  await vi.waitFor(() => expect(t.app.http.openSubscriptions).toBe(before + 1), { timeout: 5000, interval: 10 });
  return collected;
}

function publish(t: TestApp, globalSiteId: string, reason: string): void {
  t.app.deps.pubsub.publish('site:statusChanged', { siteId: decodeId(globalSiteId, 'Site')!, from: 'PENDING', to: 'UP', reason, changedAt: new Date() });
}

async function received(collected: Collected, count: number) {
  await vi.waitFor(() => expect(collected.results).toHaveLength(count), { timeout: 5000, interval: 10 });
  return collected.results.map((r) => dataOf(r).siteStatusChanged.site as Record<string, unknown>);
}

async function queried(t: TestApp, token: string, id: string, selection: string) {
  const res = await t.request<{ site: Record<string, unknown> }>(siteQuery(selection), { id }, token);
  expect(res.errors).toBeUndefined();
  return res.ok().site;
}

describe('the site of a subscription event', () => {
  it.override({ appOptions: { runCheck } });

  describe("with the reader's Site queries counted", () => {
    const { counter, wrapReadDb } = countSiteQueries();
    it.override({ appOptions: { wrapReadDb, runCheck } });

    it('comes from the engine without a query per event, as a query shows it, secrets by role', async ({ app: t, editor, viewer }) => {
      const { http, push } = await seed(t);
      const asEditor = await subscribe(t, editor.token, COLUMNS);
      const asViewer = await subscribe(t, viewer.token, COLUMNS);

      counter.site = 0;
      for (const [i, id] of [http.id, push.id, http.id].entries()) publish(t, id, `event ${i}`);
      const [editorSites, viewerSites] = await Promise.all([received(asEditor, 3), received(asViewer, 3)]);
      expect(counter.site).toBe(0);

      expect(editorSites[0]).toEqual(await queried(t, editor.token, http.id, COLUMNS));
      expect(editorSites[1]).toEqual(await queried(t, editor.token, push.id, COLUMNS));
      expect(viewerSites[0]).toEqual(await queried(t, viewer.token, http.id, COLUMNS));
      expect(viewerSites[1]).toEqual(await queried(t, viewer.token, push.id, COLUMNS));
      expect(editorSites[0]).toMatchObject({ name: 'api', hasAuthSecret: true, authUsername: 'u', httpHeaders: { 'X-Key': 'k' } });
      expect(editorSites[1]!.pushToken).toBe(push.pushToken);
      expect(viewerSites[0]).toMatchObject({ hasAuthSecret: true, httpHeaders: null });
      expect(viewerSites[1]!.pushToken).toBeNull();
    });
  });

  it('follows a change to the site at once', async ({ app: t, editor, viewer }) => {
    const { http } = await seed(t);
    const sub = await subscribe(t, viewer.token, 'name description hasAuthSecret updatedAt');
    const res = await editor.request('mutation($input: UpdateSiteInput!) { updateSite(input: $input) { __typename ... on Error { message } } }', {
      input: { id: http.id, name: 'api v2', description: '', authType: 'NONE', authUsername: null, authSecret: null },
    });
    expect(res.data).toEqual({ updateSite: { __typename: 'SitePayload' } });
    publish(t, http.id, 'after update');
    const [site] = await received(sub, 1);
    expect(site).toEqual(await queried(t, viewer.token, http.id, 'name description hasAuthSecret updatedAt'));
    expect(site).toMatchObject({ name: 'api v2', description: '', hasAuthSecret: false });
  });

  it('shows a stored secret that cannot be opened as set, as the database does', async ({ app: t, viewer }) => {
    const { http } = await seed(t);
    const rowId = decodeId(http.id, 'Site')!;
    await t.app.deps.writer.submit((tx) => tx.site.update({ where: { id: rowId }, data: { authSecret: 'not sealed by this key' } }));
    await t.app.deps.engine.siteChanged(rowId);
    expect(t.app.deps.engine.getSite(rowId)?.hasAuthSecret).toBe(true);
    const sub = await subscribe(t, viewer.token, 'hasAuthSecret');
    publish(t, http.id, 'secret');
    expect(await received(sub, 1)).toEqual([{ hasAuthSecret: true }]);
  });

  describe("with the reader's Site queries counted, for relations", () => {
    const { counter, wrapReadDb } = countSiteQueries();
    it.override({ appOptions: { wrapReadDb, runCheck } });

    it('reads relations from the database once per event, shared by every subscription with that selection', async ({ app: t, editor, viewer }) => {
      const { group, http } = await seed(t);
      const asEditor = await subscribe(t, editor.token, RELATIONS);
      const asViewer = await subscribe(t, viewer.token, RELATIONS);

      counter.site = 0;
      publish(t, http.id, 'child');
      const [[editorSite], [viewerSite]] = await Promise.all([received(asEditor, 1), received(asViewer, 1)]);
      expect(counter.site).toBe(1);
      expect(editorSite).toEqual({ name: 'api', parent: { name: 'group' }, children: [], alertChannels: [{ name: 'ops' }] });
      expect(viewerSite).toEqual(editorSite);

      publish(t, group.id, 'group');
      const [, groupSite] = await received(asViewer, 2);
      expect(groupSite).toEqual(await queried(t, viewer.token, group.id, RELATIONS));
      expect(groupSite).toMatchObject({ parent: null, children: [{ name: 'api' }] });
    });
  });

  it('is an error, as before, once the site is deleted', async ({ app: t, editor, viewer }) => {
    const { push } = await seed(t);
    const sub = await subscribe(t, viewer.token, 'name');
    const res = await editor.request('mutation($input: DeleteInput!) { deleteSite(input: $input) { __typename } }', { input: { id: push.id } });
    expect(res.data).toEqual({ deleteSite: { __typename: 'DeletePayload' } });
    publish(t, push.id, 'gone');
    await vi.waitFor(() => expect(sub.results).toHaveLength(1), { timeout: 5000, interval: 10 });
    expect(sub.results[0]!.errors?.[0]?.message).toBe('the site of this event has been deleted');
  });
});

describe('the site of a mutation payload', () => {
  it.override({ appOptions: { runCheck } });

  describe("with the reader's Site queries counted", () => {
    const { counter, wrapReadDb } = countSiteQueries();
    it.override({ appOptions: { wrapReadDb, runCheck } });

    it('answers columns from the written row and reads the row again only for relations', async ({ app: t, editor }) => {
      const { http } = await seed(t);
      const update = async (selection: string, name: string) => {
        const before = counter.site;
        const res = await t.request<{ updateSite: { site: Record<string, unknown> } }>(
          `mutation($input: UpdateSiteInput!) { updateSite(input: $input) { ... on SitePayload { site { ${selection} } } } }`,
          { input: { id: http.id, name } },
          editor.token,
        );
        expect(res.errors).toBeUndefined();
        return { site: res.ok().updateSite.site, reads: counter.site - before };
      };
      const columns = await update(COLUMNS, 'api 2');
      expect(columns.site).toEqual(await queried(t, editor.token, http.id, COLUMNS));
      expect(columns.site).toMatchObject({ name: 'api 2', hasAuthSecret: true, httpHeaders: { 'X-Key': 'k' } });
      const relations = await update(`${RELATIONS} hasAuthSecret`, 'api 3');
      expect(relations.site).toEqual({ name: 'api 3', parent: { name: 'group' }, children: [], alertChannels: [{ name: 'ops' }], hasAuthSecret: true });
      expect(relations.reads).toBe(columns.reads + 1);
    });
  });
});
