import { print } from 'graphql';
import { describe, expect, it, onTestFinished } from 'vitest';
import { graphql } from '../gql/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
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

async function createSite(t: TestApp, input: Parameters<TestApp['request']>[1] & object) {
  const res = await t.request(CreateSite, { input: input as never }, t.users.editor.token);
  expect(res.errors).toBeUndefined();
  const result = res.data!.createSite;
  if (result.__typename !== 'SitePayload') throw new Error(`createSite failed: ${JSON.stringify(result)}`);
  return result.site;
}

async function siteCount(t: TestApp): Promise<number> {
  return t.app.deps.db.site.count();
}

describe('sites', () => {
  it('creates a site of every type with the Go defaults, and reads it back by id, by node and in the list', async () => {
    const t = await startTestApp();
    const http = await createSite(t, { name: 'web', type: 'HTTP', url: 'https://example.com/health' });
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
    expect(Buffer.from(http.id, 'base64').toString()).toMatch(/^Site:\d+$/);

    const push = await createSite(t, { name: 'cron job', type: 'PUSH', interval: 300 });
    expect(push.pushToken).toMatch(/^[0-9a-f]{32}$/);
    const ping = await createSite(t, { name: 'router', type: 'PING', hostname: '192.0.2.1' });
    const port = await createSite(t, { name: 'ssh', type: 'PORT', hostname: 'localhost', port: 22 });
    const dns = await createSite(t, { name: 'dns', type: 'DNS', hostname: 'example.com', dnsResolveType: 'aaaa', dnsServer: '9.9.9.9:53' });
    const group = await createSite(t, { name: 'group', type: 'GROUP' });
    expect(dns).toMatchObject({ dnsResolveType: 'AAAA', dnsServer: '9.9.9.9:53' });
    expect(port.port).toBe(22);

    const byId = await t.request(SiteById, { id: push.id }, t.users.viewer.token);
    expect(byId.data!.site).toMatchObject({ id: push.id, name: 'cron job', type: 'PUSH', interval: 300 });
    const byNode = await t.request(NodeById, { id: group.id }, t.users.viewer.token);
    expect(byNode.data!.node).toEqual({ __typename: 'Site', id: group.id, name: 'group' });

    const list = await t.request(SiteList, { first: 10 }, t.users.viewer.token);
    expect(list.data!.sites.totalCount).toBe(6);
    expect(list.data!.sites.edges.map((e) => e.node.id)).toEqual([http.id, push.id, ping.id, port.id, dns.id, group.id]);

    const missing = await t.request(SiteById, { id: Buffer.from('Site:999').toString('base64') }, t.users.viewer.token);
    expect(missing.data!.site).toBeNull();
    const wrongType = await t.request(SiteById, { id: Buffer.from('User:1').toString('base64') }, t.users.viewer.token);
    expect(wrongType.data!.site).toBeNull();
  });

  it('refuses invalid input with a ValidationError naming the field, and writes nothing', async () => {
    const t = await startTestApp();
    const group = await createSite(t, { name: 'g', type: 'GROUP' });
    const plain = await createSite(t, { name: 'plain', type: 'PUSH' });
    const before = await siteCount(t);
    const unknownChannel = Buffer.from('AlertChannel:77').toString('base64');

    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', type: 'HTTP' }, 'url'],
      [{ name: 'x', type: 'HTTP', url: 'ftp://example.com/' }, 'url'],
      [{ name: 'x', type: 'HTTP', url: '/relative/path' }, 'url'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', interval: 4 }, 'interval'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', timeout: 0 }, 'timeout'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', timeout: 301 }, 'timeout'],
      [{ name: 'x', type: 'PORT', hostname: 'h', port: 0 }, 'port'],
      [{ name: 'x', type: 'PORT', hostname: 'h', port: 65536 }, 'port'],
      [{ name: 'x', type: 'PORT', hostname: 'h' }, 'port'],
      [{ name: 'x', type: 'PING' }, 'hostname'],
      [{ name: 'x', type: 'HTTP', url: 'https://example.com', maxRetries: -1 }, 'maxRetries'],
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
      const res = await t.request(CreateSite, { input: input as never }, t.users.editor.token);
      expect(res.errors, JSON.stringify(input)).toBeUndefined();
      expect(res.data!.createSite, JSON.stringify(input)).toMatchObject({ __typename: 'ValidationError', field });
      expect((res.data!.createSite as { message: string }).message.length).toBeGreaterThan(0);
    }
    // Nested deeper than JSON.stringify can recurse, so the body is written by hand.
    const depth = 10_000;
    const deepHeaders = `{"X-Deep":${'{"a":'.repeat(depth)}"v"${'}'.repeat(depth)}}`;
    const deep = await fetch(t.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.users.editor.token}` },
      body: `{"query":${JSON.stringify(print(CreateSite))},"variables":{"input":{"name":"x","type":"HTTP","url":"https://example.com","httpHeaders":${deepHeaders}}}}`,
    });
    expect(await deep.json()).toMatchObject({ data: { createSite: { __typename: 'ValidationError', field: 'httpHeaders.X-Deep' } } });
    expect(await siteCount(t)).toBe(before);
    expect(await t.app.deps.db.siteAlertChannel.count()).toBe(0);

    const update = await t.request(UpdateSite, { input: { id: plain.id, type: 'HTTP' } }, t.users.editor.token);
    expect(update.data!.updateSite).toMatchObject({ __typename: 'ValidationError', field: 'url' });
    const nulled = await t.request(UpdateSite, { input: { id: plain.id, interval: null } }, t.users.editor.token);
    expect(nulled.data!.updateSite).toMatchObject({ __typename: 'ValidationError', field: 'interval' });
    const row = await t.app.deps.db.site.findUniqueOrThrow({ where: { id: 2 } });
    expect(row).toMatchObject({ type: 'PUSH', interval: 60 });
  });

  it('updates fields, groups sites and replaces their alert channels', async () => {
    const t = await startTestApp();
    const group = await createSite(t, { name: 'group', type: 'GROUP' });
    const site = await createSite(t, { name: 'api', type: 'HTTP', url: 'https://example.com', interval: 30 });
    const channel = await t.request(CreateChannelForSite, {
      input: { name: 'hook', provider: 'WEBHOOK', settings: { url: 'https://hooks.example.com/x' } },
    }, t.users.editor.token);
    const channelId = (channel.data!.createAlertChannel as { alertChannel: { id: string } }).alertChannel.id;

    const moved = await t.request(UpdateSite, {
      input: { id: site.id, parentId: group.id, interval: 5, acceptedCodes: '200-299,301', alertChannelIds: [channelId], description: 'public API' },
    }, t.users.editor.token);
    expect(moved.data!.updateSite).toMatchObject({
      __typename: 'SitePayload',
      site: { interval: 5, acceptedCodes: '200-299,301', description: 'public API', parent: { id: group.id }, alertChannels: [{ id: channelId }] },
    });
    const parent = await t.request(SiteById, { id: group.id }, t.users.viewer.token);
    expect(parent.data!.site!.children).toEqual([{ id: site.id }]);

    const retype = await t.request(UpdateSite, { input: { id: group.id, type: 'PUSH' } }, t.users.editor.token);
    expect(retype.data!.updateSite).toMatchObject({ __typename: 'ValidationError', field: 'type' });

    const out = await t.request(UpdateSite, { input: { id: site.id, parentId: null, alertChannelIds: [] } }, t.users.editor.token);
    expect(out.data!.updateSite).toMatchObject({ site: { parent: null, alertChannels: [], interval: 5 } });

    const toPush = await t.request(UpdateSite, { input: { id: site.id, type: 'PUSH' } }, t.users.editor.token);
    const token = (toPush.data!.updateSite as { site: { pushToken: string } }).site.pushToken;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const renamed = await t.request(UpdateSite, { input: { id: site.id, name: 'renamed' } }, t.users.editor.token);
    expect(renamed.data!.updateSite).toMatchObject({ site: { name: 'renamed', pushToken: token } });

    const gone = await t.request(UpdateSite, { input: { id: Buffer.from('Site:99').toString('base64'), name: 'x' } }, t.users.editor.token);
    expect(gone.data!.updateSite).toMatchObject({ __typename: 'NotFoundError' });
    const notASite = await t.request(UpdateSite, { input: { id: channelId, name: 'x' } }, t.users.editor.token);
    expect(notASite.data!.updateSite).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('deletes a site with its history in one go, and a group leaves its children at the top level', async () => {
    const t = await startTestApp();
    const group = await createSite(t, { name: 'group', type: 'GROUP' });
    const child = await createSite(t, { name: 'child', type: 'PUSH', parentId: group.id });
    const childId = 2;
    await t.app.deps.writer.submit(async (tx) => {
      await tx.check.create({ data: { siteId: 1, checkedAt: new Date(), up: true, status: 'UP' } });
      await tx.stateChange.create({ data: { siteId: 1, fromStatus: 'UP', toStatus: 'DOWN', changedAt: new Date() } });
      await tx.maintenanceWindow.create({ data: { title: 'w', siteId: 1, startsAt: new Date() } });
    });

    const res = await t.request(DeleteSite, { input: { id: group.id } }, t.users.editor.token);
    expect(res.data!.deleteSite).toEqual({ __typename: 'DeletePayload', deletedId: group.id });
    const db = t.app.deps.db;
    expect(await db.site.findUnique({ where: { id: 1 } })).toBeNull();
    expect(await db.check.count({ where: { siteId: 1 } })).toBe(0);
    expect(await db.stateChange.count({ where: { siteId: 1 } })).toBe(0);
    expect(await db.maintenanceWindow.count()).toBe(0);
    const orphan = await t.request(SiteById, { id: child.id }, t.users.viewer.token);
    expect(orphan.data!.site).toMatchObject({ id: child.id, parent: null });
    expect(t.app.deps.engine.getState(childId)?.parentId).toBeNull();
    expect(t.app.deps.engine.getState(1)).toBeUndefined();

    const again = await t.request(DeleteSite, { input: { id: group.id } }, t.users.editor.token);
    expect(again.data!.deleteSite).toMatchObject({ __typename: 'NotFoundError', message: 'Site not found' });
  });

  it('pauses a site and checks it now against a real target, recording the check', async () => {
    const t = await startTestApp();
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const site = await createSite(t, { name: 'local', type: 'HTTP', url: target.url });

    const checked = await t.request(CheckSiteNow, { input: { id: site.id } }, t.users.editor.token);
    expect(checked.errors).toBeUndefined();
    expect(checked.data!.checkSiteNow).toMatchObject({
      __typename: 'SitePayload',
      site: { status: 'UP', displayStatus: 'UP', statusCode: 200, lastError: null, failureCount: 0 },
    });
    const live = (checked.data!.checkSiteNow as { site: { latencyMs: number; lastCheckAt: string } }).site;
    expect(live.latencyMs).toBeGreaterThanOrEqual(0);
    expect(new Date(live.lastCheckAt).getTime()).toBe(t.clock.nowMs());
    expect(target.requestCount).toBeGreaterThanOrEqual(1);

    // Creating the site already checked it once; every request the target saw is one recorded check.
    await t.app.deps.writer.flush();
    const history = await t.request(SiteHistory, { id: site.id, first: 5 }, t.users.viewer.token);
    expect(history.data!.site!.checks.totalCount).toBe(target.requestCount);
    expect(history.data!.site!.checks.edges[0]!.node).toMatchObject({ siteId: site.id, up: true, status: 'UP', statusCode: 200 });

    const paused = await t.request(SetSitePaused, { input: { id: site.id, paused: true } }, t.users.editor.token);
    expect(paused.data!.setSitePaused).toEqual({ __typename: 'SitePayload', site: { id: site.id, paused: true, displayStatus: 'PAUSED' } });
    const resumed = await t.request(SetSitePaused, { input: { id: site.id, paused: false } }, t.users.editor.token);
    expect(resumed.data!.setSitePaused).toMatchObject({ site: { paused: false } });

    const unknown = await t.request(CheckSiteNow, { input: { id: Buffer.from('Site:42').toString('base64') } }, t.users.editor.token);
    expect(unknown.data!.checkSiteNow).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('seals the HTTP auth secret at rest, never returns it, and the check still sends it', async () => {
    const t = await startTestApp({ env: { UPTOP_ENCRYPTION_KEY: 'ab'.repeat(32) } });
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const created = await t.request(AuthSite, {
      input: { name: 'private', type: 'HTTP', url: target.url, authType: 'BEARER', authSecret: 'tok-123', httpHeaders: { 'X-Env': 'prod' } },
    }, t.users.editor.token);
    expect(created.data!.createSite).toMatchObject({ site: { authType: 'BEARER', hasAuthSecret: true, httpHeaders: { 'X-Env': 'prod' } } });
    expect(JSON.stringify(created)).not.toContain('tok-123');
    const row = await t.app.deps.db.site.findFirstOrThrow();
    expect(row.authSecret).toMatch(/^enc:v1:/);
    expect(row.authSecret).not.toContain('tok-123');

    const id = (created.data!.createSite as { site: { id: string } }).site.id;
    await t.request(CheckSiteNow, { input: { id } }, t.users.editor.token);
    const last = target.requests.at(-1)!;
    expect(last.headers.authorization).toBe('Bearer tok-123');
    expect(last.headers['x-env']).toBe('prod');
  });

  it('pages checks and state changes newest first, and refuses first > 100', async () => {
    const t = await startTestApp();
    const site = await createSite(t, { name: 'p', type: 'PUSH' });
    const t0 = Date.UTC(2026, 0, 1);
    await t.app.deps.writer.submit((tx) =>
      tx.check.createMany({ data: Array.from({ length: 7 }, (_, i) => ({ siteId: 1, checkedAt: new Date(t0 + i * 60_000), up: i % 2 === 0, status: i % 2 === 0 ? 'UP' : 'DOWN' }) as const) }),
    );
    await t.app.deps.writer.submit((tx) =>
      tx.stateChange.createMany({ data: [
        { siteId: 1, fromStatus: 'UP', toStatus: 'DOWN', reason: 'timeout', changedAt: new Date(t0) },
        { siteId: 1, fromStatus: 'DOWN', toStatus: 'UP', reason: '', changedAt: new Date(t0 + 60_000) },
      ] }),
    );

    const seen: string[] = [];
    let after: string | null | undefined;
    for (let page = 0; page < 4; page++) {
      const res = await t.request(SiteHistory, { id: site.id, first: 3, after }, t.users.viewer.token);
      const checks = res.data!.site!.checks;
      expect(checks.totalCount).toBe(7);
      seen.push(...checks.edges.map((e) => e.node.checkedAt));
      after = checks.pageInfo.endCursor;
      if (!checks.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => new Date(t0 + (6 - i) * 60_000).toISOString()));

    const changes = await t.request(SiteHistory, { id: site.id, first: 10 }, t.users.viewer.token);
    expect(changes.data!.site!.stateChanges.edges.map((e) => [e.node.from, e.node.to])).toEqual([['DOWN', 'UP'], ['UP', 'DOWN']]);
    expect(changes.data!.site!.stateChanges.edges[1]!.node).toMatchObject({ siteId: site.id, reason: 'timeout' });

    const tooMany = await t.request(SiteHistory, { id: site.id, first: 101 }, t.users.viewer.token);
    expect(tooMany.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(tooMany.errors?.[0]?.message).toMatch(/100/);
    const sitesTooMany = await t.request(SiteList, { first: 101 }, t.users.viewer.token);
    expect(sitesTooMany.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('filters the site list by live status, type and search, with cursors', async () => {
    const t = await startTestApp();
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const up = await createSite(t, { name: 'Alpha web', type: 'HTTP', url: target.url });
    const paused = await createSite(t, { name: 'beta job', type: 'PUSH', paused: true });
    const pending = await createSite(t, { name: 'gamma', type: 'PING', hostname: 'alpha.internal' });
    await t.request(CheckSiteNow, { input: { id: up.id } }, t.users.editor.token);

    const byStatus = await t.request(SiteList, { status: ['UP', 'PAUSED'] }, t.users.viewer.token);
    expect(byStatus.data!.sites.edges.map((e) => e.node.id)).toEqual([up.id, paused.id]);
    expect(byStatus.data!.sites.totalCount).toBe(2);
    const byType = await t.request(SiteList, { type: ['PING'] }, t.users.viewer.token);
    expect(byType.data!.sites.edges.map((e) => e.node.id)).toEqual([pending.id]);
    const bySearch = await t.request(SiteList, { search: 'alpha' }, t.users.viewer.token);
    expect(bySearch.data!.sites.edges.map((e) => e.node.id)).toEqual([up.id, pending.id]);
    // Long enough that SQLite would refuse the LIKE pattern: a clear input error instead of "Unexpected error."
    const tooLong = await t.request(SiteList, { search: 'a'.repeat(60_000) }, t.users.viewer.token);
    expect(tooLong.errors?.[0]).toMatchObject({ message: 'search must be at most 200 characters', extensions: { code: 'BAD_USER_INPUT' } });

    const first = await t.request(SiteList, { first: 2 }, t.users.viewer.token);
    expect(first.data!.sites.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const rest = await t.request(SiteList, { first: 2, after: first.data!.sites.pageInfo.endCursor }, t.users.viewer.token);
    expect(rest.data!.sites.edges.map((e) => e.node.id)).toEqual([pending.id]);
    expect(rest.data!.sites.pageInfo.hasNextPage).toBe(false);
  });
});
