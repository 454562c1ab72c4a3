import { print } from 'graphql';
import { onTestFinished } from 'vitest';
import { graphql } from '../gql/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it, type Actor } from '../helpers/fixtures.ts';
import { globalId, parseGlobalId } from '../helpers/ids.ts';
import { startHttpTarget } from '../helpers/targets.ts';

// Spread by the documents below.
graphql(`
  fragment SiteFields on Site {
    id
    name
    type
    url
    hostname
    port
    interval
    timeout
    maxRetries
    method
    acceptedCodes
    checkSsl
    expiryThreshold
    ignoreTls
    maxRedirects
    dnsResolveType
    dnsServer
    paused
    description
    pushToken
    status
    displayStatus
    latencyMs
    statusCode
    lastCheckAt
    lastError
    certExpiresAt
    failureCount
    statusChangedAt
    inMaintenance
    parent { id }
    children { id }
    alertChannels { id }
  }
`);

const CreateSite = graphql(`
  mutation CreateSite($input: CreateSiteInput!) {
    createSite(input: $input) {
      __typename
      ... on SitePayload { site { ...SiteFields } }
      ... on ValidationError { field message }
      ... on Error { message }
    }
  }
`);

const UpdateSite = graphql(`
  mutation UpdateSite($input: UpdateSiteInput!) {
    updateSite(input: $input) {
      __typename
      ... on SitePayload { site { ...SiteFields } }
      ... on ValidationError { field message }
      ... on Error { message }
    }
  }
`);

const DeleteSite = graphql(`
  mutation DeleteSite($input: DeleteInput!) {
    deleteSite(input: $input) {
      __typename
      ... on DeletePayload { deletedId }
      ... on Error { message }
    }
  }
`);

const SetSitePaused = graphql(`
  mutation SetSitePaused($input: SetSitePausedInput!) {
    setSitePaused(input: $input) {
      __typename
      ... on SitePayload { site { id paused displayStatus } }
      ... on Error { message }
    }
  }
`);

const CheckSiteNow = graphql(`
  mutation CheckSiteNow($input: IdInput!) {
    checkSiteNow(input: $input) {
      __typename
      ... on SitePayload { site { id status displayStatus statusCode latencyMs lastCheckAt lastError failureCount } }
      ... on Error { message }
    }
  }
`);

const AuthSite = graphql(`
  mutation AuthSite($input: CreateSiteInput!) {
    createSite(input: $input) { __typename ... on SitePayload { site { id authType hasAuthSecret httpHeaders } } }
  }
`);

const SiteById = graphql(`
  query SiteById($id: ID!) {
    site(id: $id) { ...SiteFields }
  }
`);

const SiteHistory = graphql(`
  query SiteHistory($id: ID!, $first: Int, $after: String) {
    site(id: $id) {
      id
      checks(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { siteId checkedAt up status latencyMs statusCode message } }
      }
      stateChanges(first: $first) {
        totalCount
        edges { node { siteId from to reason changedAt } }
      }
    }
  }
`);

const SiteList = graphql(`
  query SiteList($first: Int, $after: String, $status: [DisplayStatus!], $type: [MonitorType!], $search: String) {
    sites(first: $first, after: $after, status: $status, type: $type, search: $search) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id name type displayStatus } }
    }
  }
`);

const NodeById = graphql(`
  query NodeById($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Site { name }
    }
  }
`);

const CreateChannelForSite = graphql(`
  mutation CreateChannelForSite($input: CreateAlertChannelInput!) {
    createAlertChannel(input: $input) {
      __typename
      ... on AlertChannelPayload { alertChannel { id name } }
      ... on Error { message }
    }
  }
`);

async function createSite(editor: Actor, input: Record<string, unknown>) {
  const res = await editor.request(CreateSite, { input: input as never });
  return res.payload('createSite', 'SitePayload').site;
}

async function siteCount(t: TestApp): Promise<number> {
  return t.app.deps.db.site.count();
}

describe('sites', () => {
  it('creates a site of every type with the Go defaults, and reads it back by id, by node and in the list', async ({ editor, viewer }) => {
    const http = await createSite(editor, { name: 'web', type: 'HTTP', url: 'https://example.com/health' });
    expect(http).toMatchObject({
      name: 'web',
      type: 'HTTP',
      url: 'https://example.com/health',
      interval: 60,
      timeout: 5,
      maxRetries: 0,
      method: 'GET',
      acceptedCodes: '200-299',
      checkSsl: false,
      expiryThreshold: 7,
      ignoreTls: false,
      maxRedirects: 10,
      paused: false,
      description: '',
      pushToken: null,
      status: 'PENDING',
      displayStatus: 'PENDING',
      failureCount: 0,
      inMaintenance: false,
      parent: null,
      children: [],
      alertChannels: [],
    });
    expect(parseGlobalId(http.id)).toEqual({ typename: 'Site', id: expect.stringMatching(/^\d+$/) });

    const push = await createSite(editor, { name: 'cron job', type: 'PUSH', interval: 300 });
    expect(push.pushToken).toMatch(/^[0-9a-f]{32}$/);
    const ping = await createSite(editor, { name: 'router', type: 'PING', hostname: '192.0.2.1' });
    const port = await createSite(editor, { name: 'ssh', type: 'PORT', hostname: 'localhost', port: 22 });
    const dns = await createSite(editor, { name: 'dns', type: 'DNS', hostname: 'example.com', dnsResolveType: 'aaaa', dnsServer: '9.9.9.9:53' });
    const group = await createSite(editor, { name: 'group', type: 'GROUP' });
    expect(dns).toMatchObject({ dnsResolveType: 'AAAA', dnsServer: '9.9.9.9:53' });
    expect(port.port).toBe(22);

    const byId = await viewer.request(SiteById, { id: push.id });
    expect(byId.ok().site).toMatchObject({ id: push.id, name: 'cron job', type: 'PUSH', interval: 300 });
    const byNode = await viewer.request(NodeById, { id: group.id });
    expect(byNode.ok().node).toEqual({ __typename: 'Site', id: group.id, name: 'group' });

    const list = await viewer.request(SiteList, { first: 10 });
    expect(list.ok().sites.totalCount).toBe(6);
    expect(list.ok().sites.edges.map((e) => e.node.id)).toEqual([http.id, push.id, ping.id, port.id, dns.id, group.id]);

    const missing = await viewer.request(SiteById, { id: globalId('Site', 999) });
    expect(missing.ok().site).toBeNull();
    const wrongType = await viewer.request(SiteById, { id: globalId('User', 1) });
    expect(wrongType.ok().site).toBeNull();
  });

  it('refuses invalid input with a ValidationError naming the field, and writes nothing', async ({ app: t, editor }) => {
    const group = await createSite(editor, { name: 'g', type: 'GROUP' });
    const plain = await createSite(editor, { name: 'plain', type: 'PUSH' });
    const before = await siteCount(t);
    const unknownChannel = globalId('AlertChannel', 77);

    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', type: 'HTTP' }, 'url'],
      [{ name: 'x', type: 'HTTP', url: 'ftp://example.com/' }, 'url'],
      [{ name: 'x', type: 'HTTP', url: '/relative/path' }, 'url'],
      // A URL parser reads each as http://alice:pw@example.com/, but the text would hide its password from the masking.
      [{ name: 'x', type: 'HTTP', url: 'http:alice:pw@example.com/' }, 'url'],
      [{ name: 'x', type: 'HTTP', url: 'http:/alice:pw@example.com/' }, 'url'],
      [{ name: 'x', type: 'HTTP', url: 'http:\\\\alice:pw@example.com/' }, 'url'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', interval: 4 }, 'interval'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', timeout: 0 }, 'timeout'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', timeout: 301 }, 'timeout'],
      [{ name: 'x', type: 'PORT', hostname: 'h', port: 0 }, 'port'],
      [{ name: 'x', type: 'PORT', hostname: 'h', port: 65536 }, 'port'],
      [{ name: 'x', type: 'PORT', hostname: 'h' }, 'port'],
      [{ name: 'x', type: 'PING' }, 'hostname'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', maxRetries: -1 }, 'maxRetries'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', maxRedirects: -1 }, 'maxRedirects'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', maxRedirects: 11 }, 'maxRedirects'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', acceptedCodes: '200-299,abc' }, 'acceptedCodes'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', method: 'FETCH' }, 'method'],
      [{ name: 'x', type: 'DNS', hostname: 'example.com', dnsResolveType: 'XYZ' }, 'dnsResolveType'],
      [{ name: '  ', type: 'PUSH' }, 'name'],
      [{ name: 'x', type: 'GROUP', parentId: group.id }, 'parentId'],
      [{ name: 'x', type: 'PUSH', parentId: plain.id }, 'parentId'],
      [{ name: 'x', type: 'PUSH', parentId: 'not-an-id' }, 'parentId'],
      [{ name: 'x', type: 'PUSH', alertChannelIds: [unknownChannel] }, 'alertChannelIds'],
      [{ name: 'x', type: 'PUSH', alertChannelIds: [group.id] }, 'alertChannelIds'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', httpHeaders: { 'bad header': 'v' } }, 'httpHeaders'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', httpHeaders: { 'X-Nested': { a: 'v' } } }, 'httpHeaders.X-Nested'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', authType: 'BEARER' }, 'authSecret'],
    ];
    for (const [input, field] of cases) {
      const res = await editor.request(CreateSite, { input: input as never });
      expect(res.errors, JSON.stringify(input)).toBeUndefined();
      expect(res.ok().createSite, JSON.stringify(input)).toMatchObject({ __typename: 'ValidationError', field });
      expect(res.payload('createSite', 'ValidationError').message.length).toBeGreaterThan(0);
    }
    // Nested deeper than JSON.stringify can recurse, so the body is written by hand.
    const depth = 10_000;
    const deepHeaders = `{"X-Deep":${'{"a":'.repeat(depth)}"v"${'}'.repeat(depth)}}`;
    const deep = await fetch(t.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${editor.token}` },
      body: `{"query":${JSON.stringify(print(CreateSite))},"variables":{"input":{"name":"x","type":"HTTP","url":"https://example.com","httpHeaders":${deepHeaders}}}}`,
    });
    expect(await deep.json()).toMatchObject({ data: { createSite: { __typename: 'ValidationError', field: 'httpHeaders.X-Deep' } } });
    expect(await siteCount(t)).toBe(before);
    expect(await t.app.deps.db.siteAlertChannel.count()).toBe(0);

    const update = await editor.request(UpdateSite, { input: { id: plain.id, type: 'HTTP' } });
    expect(update.ok().updateSite).toMatchObject({ __typename: 'ValidationError', field: 'url' });
    const nulled = await editor.request(UpdateSite, { input: { id: plain.id, interval: null } });
    expect(nulled.ok().updateSite).toMatchObject({ __typename: 'ValidationError', field: 'interval' });
    const row = await t.app.deps.db.site.findUniqueOrThrow({ where: { id: 2 } });
    expect(row).toMatchObject({ type: 'PUSH', interval: 60 });
  });

  it('updates fields, groups sites and replaces their alert channels', async ({ editor, viewer }) => {
    const group = await createSite(editor, { name: 'group', type: 'GROUP' });
    const site = await createSite(editor, { name: 'api', type: 'HTTP', url: 'https://example.com', interval: 30 });
    const channel = await editor.request(CreateChannelForSite, {
      input: { name: 'hook', provider: 'WEBHOOK', settings: { url: 'https://hooks.example.com/x' } },
    });
    const channelId = channel.payload('createAlertChannel', 'AlertChannelPayload').alertChannel.id;

    const moved = await editor.request(UpdateSite, {
      input: { id: site.id, parentId: group.id, interval: 5, acceptedCodes: '200-299,301', alertChannelIds: [channelId], description: 'public API' },
    });
    expect(moved.ok().updateSite).toMatchObject({
      __typename: 'SitePayload',
      site: { interval: 5, acceptedCodes: '200-299,301', description: 'public API', parent: { id: group.id }, alertChannels: [{ id: channelId }] },
    });
    const parent = await viewer.request(SiteById, { id: group.id });
    expect(parent.ok().site!.children).toEqual([{ id: site.id }]);

    const retype = await editor.request(UpdateSite, { input: { id: group.id, type: 'PUSH' } });
    expect(retype.ok().updateSite).toMatchObject({ __typename: 'ValidationError', field: 'type' });

    const out = await editor.request(UpdateSite, { input: { id: site.id, parentId: null, alertChannelIds: [] } });
    expect(out.ok().updateSite).toMatchObject({ site: { parent: null, alertChannels: [], interval: 5 } });

    const toPush = await editor.request(UpdateSite, { input: { id: site.id, type: 'PUSH' } });
    const token = toPush.payload('updateSite', 'SitePayload').site.pushToken;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const renamed = await editor.request(UpdateSite, { input: { id: site.id, name: 'renamed' } });
    expect(renamed.ok().updateSite).toMatchObject({ site: { name: 'renamed', pushToken: token } });
    // No longer a push monitor, it shows no token, in the list too; a push monitor again, it has the same one.
    const toHttp = await editor.request(UpdateSite, { input: { id: site.id, type: 'HTTP', url: 'https://example.com/' } });
    expect(toHttp.ok().updateSite).toMatchObject({ site: { type: 'HTTP', pushToken: null } });
    const listed = await editor.request('{ sites(first: 10) { edges { node { id pushToken } } } }');
    expect(listed.ok().sites.edges).toContainEqual({ node: { id: site.id, pushToken: null } });
    const back = await editor.request(UpdateSite, { input: { id: site.id, type: 'PUSH' } });
    expect(back.ok().updateSite).toMatchObject({ site: { type: 'PUSH', pushToken: token } });
    const relisted = await editor.request('{ sites(first: 10) { edges { node { id pushToken } } } }');
    expect(relisted.ok().sites.edges).toContainEqual({ node: { id: site.id, pushToken: token } });

    const gone = await editor.request(UpdateSite, { input: { id: globalId('Site', 99), name: 'x' } });
    expect(gone.ok().updateSite).toMatchObject({ __typename: 'NotFoundError' });
    const notASite = await editor.request(UpdateSite, { input: { id: channelId, name: 'x' } });
    expect(notASite.ok().updateSite).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('deletes a site with its history in one go, and a group leaves its children at the top level', async ({ app: t, editor, viewer }) => {
    const group = await createSite(editor, { name: 'group', type: 'GROUP' });
    const child = await createSite(editor, { name: 'child', type: 'PUSH', parentId: group.id });
    const childId = 2;
    await t.app.deps.writer.submit(async (tx) => {
      await tx.check.create({ data: { siteId: 1, checkedAt: new Date(), up: true, status: 'UP' } });
      await tx.stateChange.create({ data: { siteId: 1, fromStatus: 'UP', toStatus: 'DOWN', changedAt: new Date() } });
      await tx.maintenanceWindow.create({ data: { title: 'w', siteId: 1, startsAt: new Date() } });
    });

    const res = await editor.request(DeleteSite, { input: { id: group.id } });
    expect(res.ok().deleteSite).toEqual({ __typename: 'DeletePayload', deletedId: group.id });
    const db = t.app.deps.db;
    expect(await db.site.findUnique({ where: { id: 1 } })).toBeNull();
    expect(await db.check.count({ where: { siteId: 1 } })).toBe(0);
    expect(await db.stateChange.count({ where: { siteId: 1 } })).toBe(0);
    expect(await db.maintenanceWindow.count()).toBe(0);
    const orphan = await viewer.request(SiteById, { id: child.id });
    expect(orphan.ok().site).toMatchObject({ id: child.id, parent: null });
    expect(t.app.deps.engine.getState(childId)?.parentId).toBeNull();
    expect(t.app.deps.engine.getState(1)).toBeUndefined();

    const again = await editor.request(DeleteSite, { input: { id: group.id } });
    expect(again.ok().deleteSite).toMatchObject({ __typename: 'NotFoundError', message: 'Site not found' });
  });

  it('pauses a site and checks it now against a real target, recording the check', async ({ app: t, editor, viewer }) => {
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const site = await createSite(editor, { name: 'local', type: 'HTTP', url: target.url });

    const checked = await editor.request(CheckSiteNow, { input: { id: site.id } });
    expect(checked.errors).toBeUndefined();
    expect(checked.ok().checkSiteNow).toMatchObject({
      __typename: 'SitePayload',
      site: { status: 'UP', displayStatus: 'UP', statusCode: 200, lastError: null, failureCount: 0 },
    });
    const live = checked.payload('checkSiteNow', 'SitePayload').site;
    expect(live.latencyMs).toBeGreaterThanOrEqual(0);
    expect(new Date(live.lastCheckAt!).getTime()).toBe(t.clock.nowMs());
    expect(target.requestCount).toBeGreaterThanOrEqual(1);

    // Creating the site already checked it once; every request the target saw is one recorded check.
    await t.app.deps.writer.flush();
    const history = await viewer.request(SiteHistory, { id: site.id, first: 5 });
    expect(history.ok().site!.checks.totalCount).toBe(target.requestCount);
    expect(history.ok().site!.checks.edges[0]!.node).toMatchObject({ siteId: site.id, up: true, status: 'UP', statusCode: 200 });

    const paused = await editor.request(SetSitePaused, { input: { id: site.id, paused: true } });
    expect(paused.ok().setSitePaused).toEqual({ __typename: 'SitePayload', site: { id: site.id, paused: true, displayStatus: 'PAUSED' } });
    const resumed = await editor.request(SetSitePaused, { input: { id: site.id, paused: false } });
    expect(resumed.ok().setSitePaused).toMatchObject({ site: { paused: false } });

    const unknown = await editor.request(CheckSiteNow, { input: { id: globalId('Site', 42) } });
    expect(unknown.ok().checkSiteNow).toMatchObject({ __typename: 'NotFoundError' });
  });

  describe('with an encryption key', () => {
    it.override({ appOptions: { env: { UPTOP_ENCRYPTION_KEY: 'ab'.repeat(32) } } });

    it('seals the HTTP auth secret at rest, never returns it, and the check still sends it', async ({ app: t, editor }) => {
      const target = await startHttpTarget();
      onTestFinished(() => target.close());
      const created = await editor.request(AuthSite, {
        input: { name: 'private', type: 'HTTP', url: target.url, authType: 'BEARER', authSecret: 'tok-123', httpHeaders: { 'X-Env': 'prod' } },
      });
      expect(created.ok().createSite).toMatchObject({ site: { authType: 'BEARER', hasAuthSecret: true, httpHeaders: { 'X-Env': 'prod' } } });
      expect(JSON.stringify(created)).not.toContain('tok-123');
      const row = await t.app.deps.db.site.findFirstOrThrow();
      expect(row.authSecret).toMatch(/^enc:v1:/);
      expect(row.authSecret).not.toContain('tok-123');

      const id = created.payload('createSite', 'SitePayload').site.id;
      await editor.request(CheckSiteNow, { input: { id } });
      const last = target.requests.at(-1)!;
      expect(last.headers.authorization).toBe('Bearer tok-123');
      expect(last.headers['x-env']).toBe('prod');
    });
  });

  it('pages checks and state changes newest first, and refuses first > 100', async ({ app: t, editor, viewer }) => {
    const site = await createSite(editor, { name: 'p', type: 'PUSH' });
    const t0 = Date.UTC(2026, 0, 1);
    await t.app.deps.writer.submit((tx) =>
      tx.check.createMany({
        data: Array.from(
          { length: 7 },
          (_, i) => ({ siteId: 1, checkedAt: new Date(t0 + i * 60_000), up: i % 2 === 0, status: i % 2 === 0 ? 'UP' : 'DOWN' }) as const,
        ),
      }),
    );
    await t.app.deps.writer.submit((tx) =>
      tx.stateChange.createMany({
        data: [
          { siteId: 1, fromStatus: 'UP', toStatus: 'DOWN', reason: 'timeout', changedAt: new Date(t0) },
          { siteId: 1, fromStatus: 'DOWN', toStatus: 'UP', reason: '', changedAt: new Date(t0 + 60_000) },
        ],
      }),
    );

    const seen: string[] = [];
    let after: string | null | undefined;
    for (let page = 0; page < 4; page++) {
      const res = await viewer.request(SiteHistory, { id: site.id, first: 3, after });
      const checks = res.ok().site!.checks;
      expect(checks.totalCount).toBe(7);
      seen.push(...checks.edges.map((e) => e.node.checkedAt));
      after = checks.pageInfo.endCursor;
      if (!checks.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => new Date(t0 + (6 - i) * 60_000).toISOString()));

    const changes = await viewer.request(SiteHistory, { id: site.id, first: 10 });
    expect(changes.ok().site!.stateChanges.edges.map((e) => [e.node.from, e.node.to])).toEqual([
      ['DOWN', 'UP'],
      ['UP', 'DOWN'],
    ]);
    expect(changes.ok().site!.stateChanges.edges[1]!.node).toMatchObject({ siteId: site.id, reason: 'timeout' });

    const tooMany = await viewer.request(SiteHistory, { id: site.id, first: 101 });
    expect(tooMany.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(tooMany.errors?.[0]?.message).toMatch(/100/);
    const sitesTooMany = await viewer.request(SiteList, { first: 101 });
    expect(sitesTooMany.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('filters the site list by live status, type and search, with cursors', async ({ editor, viewer }) => {
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const up = await createSite(editor, { name: 'Alpha web', type: 'HTTP', url: target.url });
    const paused = await createSite(editor, { name: 'beta job', type: 'PUSH', paused: true });
    const pending = await createSite(editor, { name: 'gamma', type: 'PING', hostname: 'alpha.internal' });
    await editor.request(CheckSiteNow, { input: { id: up.id } });

    const byStatus = await viewer.request(SiteList, { status: ['UP', 'PAUSED'] });
    expect(byStatus.ok().sites.edges.map((e) => e.node.id)).toEqual([up.id, paused.id]);
    expect(byStatus.ok().sites.totalCount).toBe(2);
    const byType = await viewer.request(SiteList, { type: ['PING'] });
    expect(byType.ok().sites.edges.map((e) => e.node.id)).toEqual([pending.id]);
    const bySearch = await viewer.request(SiteList, { search: 'alpha' });
    expect(bySearch.ok().sites.edges.map((e) => e.node.id)).toEqual([up.id, pending.id]);
    // Long enough that SQLite would refuse the LIKE pattern: a clear input error instead of "Unexpected error."
    const tooLong = await viewer.request(SiteList, { search: 'a'.repeat(60_000) });
    expect(tooLong.errors?.[0]).toMatchObject({ message: 'search must be at most 200 characters', extensions: { code: 'BAD_USER_INPUT' } });

    const first = await viewer.request(SiteList, { first: 2 });
    expect(first.ok().sites.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const rest = await viewer.request(SiteList, { first: 2, after: first.ok().sites.pageInfo.endCursor });
    expect(rest.ok().sites.edges.map((e) => e.node.id)).toEqual([pending.id]);
    expect(rest.ok().sites.pageInfo.hasNextPage).toBe(false);
  });
});
