import { vi } from 'vitest';
import { graphql } from '../gql/index.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { globalId } from '../helpers/ids.ts';
import { capturingLogger } from '../helpers/log.ts';

const ChannelSettings = graphql(`
  query ServerChannelSettings { alertChannels { name settings } }
`);

describe('HTTP server', () => {
  describe('with the errors logged captured', () => {
    const captured = capturingLogger('error');
    it.override({ appOptions: { logger: captured.logger } });

    it('masks unexpected errors (no message, stack or SQL) and names the known ones', async ({ app: t, viewer }) => {
      vi.stubEnv('NODE_ENV', 'development');
      const now = new Date();
      await t.app.deps.writer.submit((tx) =>
        tx.alertChannel.create({ data: { name: 'broken', provider: 'SLACK', settings: '{not json', createdAt: now, updatedAt: now } }),
      );
      const res = await viewer.request(ChannelSettings, {});
      expect(res.data).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(res)).not.toMatch(/JSON|stack|at .*\.ts|SyntaxError|not json/);
      // The operator gets the original error, once.
      const logged = captured.lines().filter((l) => l.level >= 50);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ err: { message: expect.stringMatching(/JSON/), path: ['alertChannels', 0, 'settings'] } });

      await t.app.deps.writer.submit((tx) => tx.alertChannel.update({ where: { id: 1 }, data: { settings: 'enc:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } }));
      const sealed = await viewer.request(ChannelSettings, {});
      expect(sealed.errors![0]).toMatchObject({ extensions: { code: 'SECRET_UNREADABLE' } });
      expect(sealed.errors![0]!.message).toMatch(/UPTOP_ENCRYPTION_KEY/);
    });
  });

  it('answers node() with a malformed id with null and no masked error', async ({ viewer }) => {
    for (const id of ['garbage', Buffer.from('Site:abc').toString('base64'), globalId('Nope', 1)]) {
      const node = await viewer.request(`{ node(id: "${id}") { id } }`, {});
      expect(node.data?.node ?? null, id).toBeNull();
      expect(node.errors?.[0]?.message ?? '', id).not.toMatch(/Unexpected error/);
    }
  });

  it('answers malformed requests with 400 and a message, and keeps serving', async ({ app: t, editor }) => {
    const post = (body: string) =>
      fetch(t.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${editor.token}` }, body });
    const bodies = [
      '{"query": ',
      'null',
      '[{"query":"{ __typename }"}]',
      '{"query": 5}',
      '{"query":"{ __typename }","variables":"x"}',
      '{"query":"mutation($input: CreateSiteInput!) { createSite(input: $input) { __typename } }","variables":{"input":"x"}}',
    ];
    for (const body of bodies) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { errors: { message: string }[] }).errors[0]!.message.length, body).toBeGreaterThan(0);
    }
    expect(await t.app.deps.db.site.count()).toBe(0);
    expect((await editor.request('{ me { username } }', {})).data).toEqual({ me: { username: 'editor' } });
  });

  describe('with UPTOP_BODY_LIMIT=2048', () => {
    it.override({ appOptions: { env: { UPTOP_BODY_LIMIT: '2048' } } });

    it('refuses request bodies over UPTOP_BODY_LIMIT with 413, by length and when chunked', async ({ app: t, viewer }) => {
      const big = JSON.stringify({ query: `{ me { username } } # ${'x'.repeat(3000)}` });
      const declared = await fetch(t.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect(declared.status).toBe(413);
      expect((await declared.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');

      const chunks = [big.slice(0, 1500), big.slice(1500)];
      const chunked = await fetch(t.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          pull(controller) {
            const next = chunks.shift();
            if (next === undefined) controller.close();
            else controller.enqueue(new TextEncoder().encode(next));
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(413);

      const small = await viewer.request('{ me { username } }', {});
      expect(small.data).toEqual({ me: { username: 'viewer' } });
    });
  });

  it('serves GraphiQL from the installed package (no CDN)', async ({ app: t }) => {
    const page = await fetch(t.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toMatch(/graphiql/i);
    expect(html).not.toMatch(/unpkg\.com|cdn\.jsdelivr/);
  });

  describe('with UPTOP_GRAPHIQL=false', () => {
    it.override({ appOptions: { env: { UPTOP_GRAPHIQL: 'false' } } });

    it('does not serve GraphiQL', async ({ app: off }) => {
      const none = await fetch(off.graphqlUrl, { headers: { accept: 'text/html' } });
      expect(none.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    });
  });
});
