import { isObjectType, parse } from 'graphql';
import { vi } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { compilable } from '../../src/graphql/jit.ts';
import { buildSchema } from '../../src/graphql/schema.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { createSite } from '../helpers/sites.ts';

/** Every column field of Site, the secrets among them, and the live fields: what the list's hot read must answer. */
const COLUMNS = `
  id name type url hostname port interval timeout maxRetries method acceptedCodes checkSsl expiryThreshold ignoreTls
  dnsResolveType dnsServer paused description regions public httpBody authType authUsername hasAuthSecret keyword
  keywordInvert renotifyMinutes createdAt updatedAt pushToken httpHeaders status displayStatus latencyMs statusCode
  lastCheckAt lastSuccessAt lastError certExpiresAt failureCount statusChangedAt inMaintenance recentChecks { status }
`;

/** The reader's Site statements by kind: the hot read is a raw query, the model query a `Site.findMany`. */
function countOperations() {
  const all: string[] = [];
  const seen = {
    get site() {
      return all.filter((op) => op === '.$queryRawUnsafe' || op.startsWith('Site.'));
    },
    reset: () => {
      all.length = 0;
    },
  };
  const wrapReadDb = (db: Db) =>
    db.$extends({
      query: {
        async $allOperations({ model, operation, args, query }) {
          all.push(`${model ?? ''}.${operation}`);
          return query(args);
        },
      },
    }) as unknown as Db;
  return { seen, wrapReadDb };
}

const list = (selection: string, args = 'first: 100') => `{ sites(${args}) { edges { cursor node { ${selection} } } pageInfo { hasNextPage endCursor } } }`;

async function seed(t: Parameters<typeof createSite>[0]) {
  const group = await createSite(t, { name: 'group', type: 'GROUP' });
  await createSite(t, {
    name: 'api',
    type: 'HTTP',
    url: 'https://user:pw@api.example.com/health?token=abc&x=1',
    parentId: group.id,
    httpHeaders: { 'X-Key': 'k' },
    httpBody: '{"q":1}',
    authType: 'BASIC',
    authUsername: 'u',
    authSecret: 's3cret',
    keyword: 'ok',
    keywordInvert: true,
    description: 'the API',
    public: false,
  });
  await createSite(t, { name: 'job', type: 'PUSH', paused: true });
  await createSite(t, { name: 'dns', type: 'DNS', hostname: 'example.com', dnsResolveType: 'MX', dnsServer: '9.9.9.9', port: 53 });
  // A new site is checked at once (its lookup refused: no test leaves loopback). The list and each site are read one
  // after the other, so their live fields agree only once those first checks are done.
  const engine = t.app.deps.engine;
  const checked = ['HTTP', 'DNS'];
  await vi.waitFor(
    () => expect(engine.siteIds().filter((id) => checked.includes(engine.getState(id)!.type) && engine.getState(id)!.lastCheckAt === null)).toEqual([]),
    { timeout: 5000, interval: 10 },
  );
}

describe('the sites list read', () => {
  const counted = countOperations();
  it.override({ appOptions: { wrapReadDb: counted.wrapReadDb } });

  it('answers every column and live field as the model query does, secrets masked by role, in one raw statement', async ({ app: t, editor, viewer }) => {
    await seed(t);
    for (const actor of [editor, viewer]) {
      counted.seen.reset();
      const hot = (await actor.request<{ sites: { edges: { node: Record<string, unknown> }[] } }>(list(COLUMNS))).ok().sites.edges;
      expect(counted.seen.site).toEqual(['.$queryRawUnsafe']);
      expect(hot).toHaveLength(4);
      for (const { node } of hot) {
        const one = await actor.request<{ site: Record<string, unknown> }>(`query($id: ID!) { site(id: $id) { ${COLUMNS} } }`, { id: node.id });
        expect(node).toEqual(one.ok().site);
      }
    }
    // The filtered lists read the same columns through the model query.
    const every = 'status: [UP, DOWN, PENDING, LATE, STALE, SSL_EXPIRED, PAUSED, MAINTENANCE]';
    for (const args of ['first: 100, type: [HTTP, PUSH, DNS, GROUP]', `first: 100, ${every}`, 'first: 100, search: "a"']) {
      counted.seen.reset();
      const filtered = (await viewer.request<{ sites: { edges: { node: Record<string, unknown> }[] } }>(list(COLUMNS, args))).ok().sites.edges;
      expect(counted.seen.site.at(-1), args).toBe('Site.findMany');
      expect(filtered.length, args).toBeGreaterThan(0);
      for (const { node } of filtered) {
        const one = await viewer.request<{ site: Record<string, unknown> }>(`query($id: ID!) { site(id: $id) { ${COLUMNS} } }`, { id: node.id });
        expect(node, args).toEqual(one.ok().site);
      }
    }
    const asViewer = (await viewer.request<{ sites: { edges: { node: Record<string, unknown> }[] } }>(list('name url httpBody hasAuthSecret'))).ok();
    expect(asViewer.sites.edges[1]!.node).toEqual({
      name: 'api',
      url: 'https://user:***@api.example.com/health?token=***&x=1',
      httpBody: null,
      hasAuthSecret: true,
    });
  });

  it('pages with cursors forwards and backwards as the model query does', async ({ app: t, viewer }) => {
    await seed(t);
    const page = async (args: string) => (await viewer.request<{ sites: any }>(list('name', args))).ok().sites;
    const first = await page('first: 2');
    expect(first.edges.map((e: any) => e.node.name)).toEqual(['group', 'api']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = await page(`first: 2, after: "${first.pageInfo.endCursor}"`);
    expect(next.edges.map((e: any) => e.node.name)).toEqual(['job', 'dns']);
    const back = await page(`last: 2, before: "${next.edges[1].cursor}"`);
    expect(back.edges.map((e: any) => e.node.name)).toEqual(['api', 'job']);
    // A filter takes the model query, and answers the same rows.
    counted.seen.reset();
    const pushOnly = await page('first: 10, type: [PUSH]');
    expect(pushOnly.edges.map((e: any) => e.node.name)).toEqual(['job']);
    expect(counted.seen.site).toEqual(['Site.findMany']);
  });

  it('takes the model query for a relation, and reads it in the same statement as before', async ({ app: t, viewer }) => {
    await seed(t);
    counted.seen.reset();
    const res = (await viewer.request<{ sites: any }>(list('name parent { name } children { name }'))).ok();
    expect(res.sites.edges[1].node).toEqual({ name: 'api', parent: { name: 'group' }, children: [] });
    expect(res.sites.edges[0].node.children).toEqual([{ name: 'api' }]);
    expect(counted.seen.site).toEqual(['Site.findMany']);
  });
});

describe('compiled queries', () => {
  const schema = buildSchema();

  it('compile a query that selects no field the prisma plugin plans, and nothing else', () => {
    expect(compilable(schema, parse(list(COLUMNS)))).toBe(true);
    expect(
      compilable(
        schema,
        parse('{ sites(first: 5) { edges { node { id uptime { uptimePercent } latency(from: "2026-01-01T00:00:00Z", step: 3600) { p95 } } } } }'),
      ),
    ).toBe(true);
    // Relations, planned by the prisma plugin, fragments included.
    expect(compilable(schema, parse(list('name parent { name }')))).toBe(false);
    expect(compilable(schema, parse(`${list('...F')} fragment F on Site { alertChannels { name } }`))).toBe(false);
    expect(compilable(schema, parse('{ alertChannels { sites { name } } }'))).toBe(false);
    // Mutations, subscriptions and documents of several operations keep the executor.
    expect(compilable(schema, parse('mutation { logout }'))).toBe(false);
    expect(compilable(schema, parse('subscription { siteStatusChanged { site { id } } }'))).toBe(false);
    expect(compilable(schema, parse('query A { me { id } } query B { me { id } }'), 'A')).toBe(false);
  });

  it('know every field of Site the prisma plugin plans (a new relation is never compiled by mistake)', () => {
    const site = schema.getType('Site');
    if (!isObjectType(site)) throw new Error('Site is not an object type');
    const planned = Object.values(site.getFields())
      .filter((f) => f.extensions?.pothosPrismaSelect)
      .map((f) => f.name)
      .sort();
    expect(planned).toEqual(['alertChannels', 'children', 'parent']);
  });
});
