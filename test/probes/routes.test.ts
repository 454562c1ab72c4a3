import type { CheckResult } from '../../src/engine/checks/types.ts';
import { PROBE_REQUESTS_PER_MINUTE } from '../../src/probes/routes.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { collectWs, wsClient } from '../helpers/clients.ts';
import { globalId } from '../helpers/ids.ts';
import { PROBE_NODES, PROBE_RESULTS, probeCall, probeToken } from './helpers.ts';

const UP: CheckResult = { status: 'UP', statusCode: 200, latencyMs: 1, hasSsl: false, certExpiresAt: null, message: '' };

/** The sites of the assignment tests, made through the services. */
async function seedSites(t: TestApp) {
  const { sites } = t.app.deps.services;
  const everywhere = await sites.create({ name: 'web', type: 'HTTP', url: 'https://web.example.com/health', interval: 30 });
  const regional = await sites.create({
    name: 'api',
    type: 'HTTP',
    url: 'https://api.example.com/',
    regions: 'eu, us',
    method: 'POST',
    httpHeaders: { 'X-Key': 'k' },
    httpBody: '{"ping":true}',
    authType: 'BASIC',
    authUsername: 'me',
    authSecret: 'basic-secret',
    keyword: 'ok',
    maxRetries: 2,
  });
  const asia = await sites.create({ name: 'db', type: 'PORT', hostname: 'db.example.com', port: 5432, regions: 'ap' });
  const push = await sites.create({ name: 'cron', type: 'PUSH', interval: 300 });
  const group = await sites.create({ name: 'group', type: 'GROUP' });
  const paused = await sites.create({ name: 'old', type: 'HTTP', url: 'https://old.example.com/', paused: true });
  return { everywhere, regional, asia, push, group, paused };
}

describe('probe endpoints', () => {
  it.override({ appOptions: { runCheck: async () => UP } });

  it('registers a node from the Go probe body with a probe token in X-Uptop-Secret, and shows it ONLINE, then STALE, then OFFLINE', async ({
    app: t,
    viewer,
    clock,
  }) => {
    const { token } = await probeToken(t, 'eu-1');
    expect(token).toMatch(/^utp_[A-Za-z0-9_-]{43}$/);
    const res = await probeCall(t, '/api/probe/register', { token, body: { id: 'eu-1', name: 'Frankfurt', region: 'eu', version: 'probe' } });
    expect([res.status, res.headers.get('content-type'), res.json()]).toEqual([200, 'application/json; charset=utf-8', { ok: true }]);

    const registeredAt = clock.now().toISOString();
    const nodes = async () => (await viewer.request<{ probeNodes: { status: string }[] }>(PROBE_NODES)).ok().probeNodes;
    expect(await nodes()).toEqual([{ nodeId: 'eu-1', name: 'Frankfurt', region: 'eu', version: 'probe', lastSeen: registeredAt, status: 'ONLINE' }]);
    clock.advance(60_000);
    expect((await nodes())[0]!.status).toBe('STALE');
    clock.advance(4 * 60_000 - 1);
    expect((await nodes())[0]!.status).toBe('STALE');
    clock.advance(1);
    expect((await nodes())[0]!.status).toBe('OFFLINE');

    // The older Go probes' header, and a bearer token, work alike; registering again updates what the node says.
    expect((await probeCall(t, '/api/probe/register', { token, header: 'x-upkeep-secret', body: { id: 'eu-1', region: 'eu' } })).status).toBe(200);
    expect((await probeCall(t, '/api/probe/register', { token, header: 'authorization', body: { id: 'eu-1', name: 'FRA', region: 'eu' } })).status).toBe(200);
    expect(await nodes()).toEqual([expect.objectContaining({ nodeId: 'eu-1', name: 'FRA', version: '', status: 'ONLINE' })]);
  });

  it('refuses anything but a working probe token (401, nothing written), and a probe token opens nothing on the API', async ({ app: t, admin }) => {
    const { token, id } = await probeToken(t);
    const apiToken = (
      await admin.request<{ createApiToken: { token: string } }>(
        'mutation { createApiToken(input: { name: "rw", readOnly: false }) { ... on ApiTokenPayload { token } } }',
      )
    ).ok().createApiToken.token;
    const body = { id: 'p1', region: 'eu' };
    const refused = async (options: Parameters<typeof probeCall>[2]) => {
      const res = await probeCall(t, '/api/probe/register', { body, ...options });
      expect(res.status).toBe(401);
      expect(res.text).toBe('Unauthorized: send a probe token as "Authorization: Bearer <token>" or in X-Uptop-Secret');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    };
    await refused({ token: null });
    await refused({ token: 'utp_not-a-token' });
    // An admin's session or read-write API token is no probe token.
    await refused({ token: admin.token, header: 'authorization' });
    await refused({ token: apiToken, header: 'authorization' });
    // The probe token is no API credential.
    const asProbe = await t.request('{ sites(first: 1) { totalCount } }', {}, token);
    expect(asProbe.code).toBe('UNAUTHENTICATED');

    // Its grant ends with its owner's ADMIN role, and with its revocation.
    const demoted = await t.app.deps.writer.submit((tx) => tx.user.update({ where: { id: 1 }, data: { role: 'EDITOR' } }));
    expect(demoted.role).toBe('EDITOR');
    await refused({ token });
    await t.app.deps.writer.submit((tx) => tx.user.update({ where: { id: 1 }, data: { role: 'ADMIN' } }));
    expect((await probeCall(t, '/api/probe/register', { token, body })).status).toBe(200);
    const revoke = await admin.request(`mutation { revokeApiToken(input: { id: "${id}" }) { __typename } }`);
    expect(revoke.errors).toBeUndefined();
    await refused({ token });
    expect(await t.app.deps.db.probeNode.count()).toBe(1);
  });

  it('lists assignments in the Go shape: unpaused HTTP, ping, port and DNS sites of the node region, with no push token or state', async ({ app: t }) => {
    const { everywhere, regional, asia, push } = await seedSites(t);
    const { token } = await probeToken(t);
    await probeCall(t, '/api/probe/register', { token, body: { id: 'fra', region: 'EU' } });
    const res = await probeCall(t, '/api/probe/assignments?node_id=fra', { token });
    expect(res.status).toBe(200);
    const { sites } = res.json() as { sites: Record<string, unknown>[] };
    expect(sites.map((s) => s.ID)).toEqual([everywhere.id, regional.id]);
    expect(sites[0]).toEqual({
      ID: everywhere.id,
      Name: 'web',
      Type: 'http',
      URL: 'https://web.example.com/health',
      Interval: 30,
      Timeout: 5,
      Method: 'GET',
      AcceptedCodes: '200-299',
      CheckSSL: false,
      ExpiryThreshold: 7,
      MaxRetries: 0,
      Hostname: '',
      Port: 0,
      DNSResolveType: '',
      DNSServer: '',
      IgnoreTLS: false,
      Paused: false,
      Regions: '',
      Uptop: { Headers: null, Body: null, AuthType: 'NONE', AuthUsername: null, AuthSecret: null, Keyword: null, KeywordInvert: false, MaxRedirects: 10 },
    });
    // What the check needs travels, the secret opened (it is sealed at rest); nothing else does.
    expect(sites[1]).toMatchObject({
      Regions: 'eu, us',
      Method: 'POST',
      MaxRetries: 2,
      Uptop: { Headers: '{"X-Key":"k"}', Body: '{"ping":true}', AuthType: 'BASIC', AuthUsername: 'me', AuthSecret: 'basic-secret', Keyword: 'ok' },
    });
    const pushToken = (await t.app.deps.db.site.findUniqueOrThrow({ where: { id: push.id } })).pushToken!;
    expect(res.text).not.toContain(pushToken);
    for (const key of ['Token', 'AlertID', 'Status', 'LastError', 'FailureCount']) expect(res.text).not.toContain(`"${key}"`);

    // A node of another region, and one without a region, which only checks sites without regions.
    await probeCall(t, '/api/probe/register', { token, body: { id: 'sgp', region: 'ap' } });
    await probeCall(t, '/api/probe/register', { token, body: { id: 'anywhere' } });
    const ids = async (node: string) =>
      ((await probeCall(t, `/api/probe/assignments?node_id=${node}`, { token })).json().sites as { ID: number }[]).map((s) => s.ID);
    expect(await ids('sgp')).toEqual([everywhere.id, asia.id]);
    expect(await ids('anywhere')).toEqual([everywhere.id]);

    const missing = await probeCall(t, '/api/probe/assignments', { token });
    expect([missing.status, missing.text]).toEqual([400, expect.stringMatching(/^node_id: /)]);
  });

  it('takes results in the Go body: one Check row each with its node id, the node seen, and the per-region results in GraphQL', async ({
    app: t,
    viewer,
    clock,
  }) => {
    const { everywhere, regional } = await seedSites(t);
    const { token } = await probeToken(t);
    await probeCall(t, '/api/probe/register', { token, body: { id: 'fra', name: 'Frankfurt', region: 'eu' } });
    clock.advance(30_000);
    const res = await probeCall(t, '/api/probe/results', {
      token,
      body: {
        node_id: 'fra',
        results: [
          { site_id: everywhere.id, latency_ns: 12_345_678, is_up: true },
          { site_id: regional.id, latency_ns: 0, is_up: false, error_reason: 'HTTP 503 (expected 200-299)' },
        ],
      },
    });
    expect([res.status, res.json()]).toEqual([200, { ok: true }]);
    await t.app.deps.writer.flush();
    const node = await t.app.deps.db.probeNode.findUniqueOrThrow({ where: { id: 'fra' } });
    expect(node.lastSeen).toEqual(clock.now());

    const read = async (id: number) => (await viewer.request<{ site: any }>(PROBE_RESULTS, { id: globalId('Site', id) })).ok().site;
    const web = await read(everywhere.id);
    expect(web.probeResults).toEqual([
      {
        nodeId: 'fra',
        region: 'eu',
        up: true,
        status: 'UP',
        // Go's nanoseconds, kept to the microsecond.
        latencyMs: 12.346,
        statusCode: null,
        checkedAt: clock.now().toISOString(),
        error: null,
        node: { nodeId: 'fra', name: 'Frankfurt' },
      },
    ]);
    // The server's own first check, then the probe's.
    expect(web.checks.edges.map((e: any) => e.node.nodeId)).toEqual(['fra', '']);
    const api = await read(regional.id);
    expect(api.probeResults).toEqual([
      expect.objectContaining({ nodeId: 'fra', up: false, status: 'DOWN', latencyMs: null, error: 'HTTP 503 (expected 200-299)' }),
    ]);

    // Go sends `results: null` when it has none: the node is seen, nothing else.
    clock.advance(5000);
    expect((await probeCall(t, '/api/probe/results', { token, body: { node_id: 'fra', results: null } })).status).toBe(200);
    expect((await t.app.deps.db.probeNode.findUniqueOrThrow({ where: { id: 'fra' } })).lastSeen).toEqual(clock.now());
  });

  it('shows only the results that still count: a probe that stopped reporting drops out after max(3 × interval, 60 s)', async ({ app: t, viewer, clock }) => {
    const { everywhere } = await seedSites(t);
    const { token } = await probeToken(t);
    const report = (node_id: string, is_up: boolean) =>
      probeCall(t, '/api/probe/results', { token, body: { node_id, results: [{ site_id: everywhere.id, latency_ns: 1e6, is_up }] } });
    const shown = async () =>
      (await viewer.request<{ site: any }>(PROBE_RESULTS, { id: globalId('Site', everywhere.id) })).ok().site.probeResults.map((r: any) => [r.nodeId, r.up]);
    expect((await report('fra', false)).status).toBe(200);
    clock.advance(60_000);
    expect((await report('nyc', true)).status).toBe(200);
    await t.app.deps.writer.flush();
    expect(await shown()).toEqual([
      ['fra', false],
      ['nyc', true],
    ]);
    // The site checks every 30 s: fra's DOWN, 90 s old, still counts; a moment later it no longer does, nor shows.
    clock.advance(30_000);
    expect(await shown()).toEqual([
      ['fra', false],
      ['nyc', true],
    ]);
    clock.advance(1);
    expect(await shown()).toEqual([['nyc', true]]);
    clock.advance(60_000);
    expect(await shown()).toEqual([]);
  });

  it('takes results of a node that never registered (a Go probe whose registration failed) and registers it by its id', async ({ app: t, viewer }) => {
    const { everywhere } = await seedSites(t);
    const { token } = await probeToken(t);
    const res = await probeCall(t, '/api/probe/results', {
      token,
      body: { node_id: 'late', results: [{ site_id: everywhere.id, latency_ns: 1e6, is_up: true }] },
    });
    expect(res.status).toBe(200);
    expect((await viewer.request<{ probeNodes: unknown[] }>(PROBE_NODES)).ok().probeNodes).toEqual([
      expect.objectContaining({ nodeId: 'late', name: 'late', region: '' }),
    ]);

    // A reason is capped at 256 characters, as the server's own checks cap theirs.
    const long = { node_id: 'late', results: [{ site_id: everywhere.id, latency_ns: 0, is_up: false, error_reason: 'x'.repeat(1000) }] };
    expect((await probeCall(t, '/api/probe/results', { token, body: long })).status).toBe(200);
    const site = (await viewer.request<{ site: any }>(PROBE_RESULTS, { id: globalId('Site', everywhere.id) })).ok().site;
    expect(site.probeResults[0].error).toBe(`${'x'.repeat(253)}...`);
  });

  it('refuses bad input with 400 naming each problem, and changes nothing', async ({ app: t }) => {
    const { everywhere } = await seedSites(t);
    const { token } = await probeToken(t);
    await probeCall(t, '/api/probe/register', { token, body: { id: 'fra', region: 'eu' } });
    const before = await t.app.deps.db.probeNode.findUniqueOrThrow({ where: { id: 'fra' } });
    const cases: [string, { body?: unknown; rawBody?: string }, RegExp][] = [
      ['/api/probe/register', { rawBody: '{"id": ' }, /^body: Invalid JSON: /],
      ['/api/probe/register', { body: { name: 'no id' } }, /^id: /],
      ['/api/probe/register', { body: { id: 'has space' } }, /^id: must be 1 to 64 letters/],
      ['/api/probe/results', { body: { results: [] } }, /^node_id: /],
      ['/api/probe/results', { body: { node_id: 'fra', results: [{ site_id: 'one', is_up: true }] } }, /^results\.0\.site_id: /],
      ['/api/probe/results', { body: { node_id: 'fra', results: [{ site_id: everywhere.id, is_up: 'yes' }] } }, /^results\.0\.is_up: /],
      [
        '/api/probe/results',
        {
          body: {
            node_id: 'fra',
            results: [
              { site_id: everywhere.id, is_up: true },
              { site_id: everywhere.id, is_up: false, status: 'UP' },
            ],
          },
        },
        /^results\.1\.status: status and is_up disagree$/,
      ],
      [
        '/api/probe/results',
        { body: { node_id: 'fra', results: [{ site_id: everywhere.id, is_up: true, checked_at: 'yesterday' }] } },
        /^results\.0\.checked_at: /,
      ],
      ['/api/probe/results', { body: { node_id: 'fra', results: [{ site_id: everywhere.id, is_up: true, latency_ns: 1e300 }] } }, /^results\.0\.latency_ns: /],
    ];
    for (const [path, body, message] of cases) {
      const res = await probeCall(t, path, { token, ...body });
      expect([path, res.status, res.text]).toEqual([path, 400, expect.stringMatching(message)]);
    }
    await t.app.deps.writer.flush();
    expect(await t.app.deps.db.check.count({ where: { nodeId: { not: '' } } })).toBe(0);
    expect(await t.app.deps.db.probeNode.findMany()).toEqual([before]);
  });

  it('keeps a node id with the token that registered it until that token is revoked', async ({ app: t, admin }) => {
    const { everywhere } = await seedSites(t);
    const first = await probeToken(t, 'first');
    const second = await probeToken(t, 'second');
    expect((await probeCall(t, '/api/probe/register', { token: first.token, body: { id: 'fra', region: 'eu' } })).status).toBe(200);
    const taken = await probeCall(t, '/api/probe/register', { token: second.token, body: { id: 'fra', region: 'us' } });
    expect([taken.status, taken.text]).toEqual([403, 'Forbidden: node "fra" belongs to another probe token; revoke that token first, or pick another node id']);
    const results = { node_id: 'fra', results: [{ site_id: everywhere.id, latency_ns: 1e6, is_up: false }] };
    expect((await probeCall(t, '/api/probe/results', { token: second.token, body: results })).status).toBe(403);
    expect((await probeCall(t, '/api/probe/assignments?node_id=fra', { token: second.token })).status).toBe(403);
    await t.app.deps.writer.flush();
    expect(await t.app.deps.db.check.count({ where: { nodeId: 'fra' } })).toBe(0);
    expect((await t.app.deps.db.probeNode.findUniqueOrThrow({ where: { id: 'fra' } })).region).toBe('eu');

    await admin.request(`mutation { revokeApiToken(input: { id: "${first.id}" }) { __typename } }`);
    expect((await probeCall(t, '/api/probe/register', { token: second.token, body: { id: 'fra', region: 'us' } })).status).toBe(200);
    expect((await t.app.deps.db.probeNode.findUniqueOrThrow({ where: { id: 'fra' } })).region).toBe('us');
  });

  it(`allows ${PROBE_REQUESTS_PER_MINUTE} requests a minute per client IP, counted before the token is looked at`, async ({ app: t, clock }) => {
    const { token } = await probeToken(t);
    for (let i = 0; i < PROBE_REQUESTS_PER_MINUTE; i++)
      expect((await probeCall(t, '/api/probe/assignments?node_id=x', { token: 'utp_wrong' })).status).toBe(401);
    const limited = await probeCall(t, '/api/probe/assignments?node_id=x', { token });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    clock.advance(2000);
    expect((await probeCall(t, '/api/probe/assignments?node_id=x', { token })).status).toBe(200);
  });

  it('lists probe tokens among the API tokens with their scope; createProbeToken refuses an empty name', async ({ admin }) => {
    const created = await admin.request<{ createProbeToken: any }>(
      'mutation { createProbeToken(input: { name: "eu-1" }) { ... on ProbeTokenPayload { apiToken { name scope readOnly } } } }',
    );
    expect(created.ok().createProbeToken.apiToken).toEqual({ name: 'eu-1', scope: 'PROBE', readOnly: true });
    const tokens = await admin.request<{ apiTokens: unknown[] }>('{ apiTokens { name scope } }');
    expect(tokens.ok().apiTokens).toEqual([{ name: 'eu-1', scope: 'PROBE' }]);
    const empty = await admin.request<{ createProbeToken: any }>(
      'mutation { createProbeToken(input: { name: "  " }) { __typename ... on ValidationError { field message } } }',
    );
    expect(empty.ok().createProbeToken).toEqual({ __typename: 'ValidationError', field: 'name', message: 'must not be empty' });
  });

  it('lets an ADMIN forget a node: gone from probeNodes, its id free for another token, its checks kept', async ({ app: t, admin, viewer }) => {
    const { everywhere } = await seedSites(t);
    const first = await probeToken(t, 'first');
    const second = await probeToken(t, 'second');
    await probeCall(t, '/api/probe/results', {
      token: first.token,
      body: { node_id: 'old', results: [{ site_id: everywhere.id, latency_ns: 1e6, is_up: true }] },
    });
    const DELETE = 'mutation($id: String!) { deleteProbeNode(input: { nodeId: $id }) { __typename ... on DeleteProbeNodePayload { deletedNodeId } } }';
    expect((await admin.request<{ deleteProbeNode: unknown }>(DELETE, { id: 'old' })).ok().deleteProbeNode).toEqual({
      __typename: 'DeleteProbeNodePayload',
      deletedNodeId: 'old',
    });
    expect((await viewer.request<{ probeNodes: unknown[] }>(PROBE_NODES)).ok().probeNodes).toEqual([]);
    expect((await admin.request<{ deleteProbeNode: { __typename: string } }>(DELETE, { id: 'old' })).ok().deleteProbeNode.__typename).toBe('NotFoundError');
    await t.app.deps.writer.flush();
    expect(await t.app.deps.db.check.count({ where: { nodeId: 'old' } })).toBe(1);
    expect((await probeCall(t, '/api/probe/register', { token: second.token, body: { id: 'old' } })).status).toBe(200);
  });

  it('publishes each probe result on checkCompleted with its node id', async ({ app: t, viewer }) => {
    const { everywhere } = await seedSites(t);
    const { token } = await probeToken(t);
    const events = collectWs(wsClient(t.wsUrl, viewer.token), 'subscription { checkCompleted { check { nodeId up } } }');
    const results = { node_id: 'fra', results: [{ site_id: everywhere.id, latency_ns: 1e6, is_up: false, error_reason: 'HTTP 500' }] };
    await expect
      .poll(async () => {
        await probeCall(t, '/api/probe/results', { token, body: results });
        return events.results.length;
      })
      .toBeGreaterThan(0);
    expect(events.results[0]!.data).toEqual({ checkCompleted: { check: { nodeId: 'fra', up: false } } });
  });
});
