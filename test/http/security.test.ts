import { afterEach, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../src/graphql/security.ts';
import { nestedQuery, startBareServer, type BareServer } from './bare-server.ts';

let server: BareServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function post(query: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(server!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: await res.json() };
}

/** Opens an SSE subscription (GraphQL over SSE, distinct connections) and returns its first event's data. */
async function sseFirst(query: string): Promise<any> {
  const controller = new AbortController();
  const res = await fetch(server!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      const data = /^data: (.+)$/m.exec(text);
      if (data) return JSON.parse(data[1]!);
    }
    throw new Error(`stream ended without data: ${text}`);
  } finally {
    controller.abort();
  }
}

describe('GraphQL limits over HTTP', () => {
  it('refuses a query deeper than the limit and runs one at the limit', async () => {
    server = await startBareServer({ UPTOP_MAX_DEPTH: '5' });
    const deep = await post(nestedQuery(6));
    expect(deep.body.errors[0].message).toMatch(/depth limit of 5 exceeded/i);
    expect(deep.body.errors[0].message).not.toMatch(/Syntax Error/);
    expect(deep.body.errors[0].extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'depth', max: 5 });
    expect(deep.body.data).toBeUndefined();
    const ok = await post(nestedQuery(4));
    expect(ok.body.errors).toBeUndefined();
  });

  it('limits aliases, tokens and cost', async () => {
    server = await startBareServer({ UPTOP_MAX_ALIASES: '3', UPTOP_MAX_TOKENS: '40', UPTOP_MAX_COST: '20' });
    const aliases = await post('{ a: hello b: hello c: hello d: hello }');
    expect(aliases.body.errors[0].message).toMatch(/aliases limit of 3 exceeded/i);
    const tokens = await post(`{ ${'hello '.repeat(40)}}`);
    expect(tokens.body.errors[0].message).toMatch(/token limit of 40 exceeded/i);
    const cost = await post(nestedQuery(8));
    expect(cost.body.errors[0].message).toMatch(/cost limit of 20 exceeded/i);
    expect([aliases, tokens, cost].map((r) => r.body.errors[0].extensions)).toEqual([
      { code: 'QUERY_TOO_COMPLEX', limit: 'aliases', max: 3 },
      { code: 'QUERY_TOO_COMPLEX', limit: 'tokens', max: 40 },
      { code: 'QUERY_TOO_COMPLEX', limit: 'cost', max: 20 },
    ]);
  });

  it('does not suggest field names', async () => {
    server = await startBareServer();
    const res = await post('{ helo }');
    expect(res.body.errors[0].message).toMatch(/Cannot query field "helo"/);
    expect(res.body.errors[0].message).not.toMatch(/hello/);
  });

  it('masks unexpected errors: no message, stack or SQL', async () => {
    server = await startBareServer();
    const res = await post('{ secret }');
    expect(res.body.errors[0].message).toBe('Unexpected error.');
    expect(JSON.stringify(res.body)).not.toMatch(/SQLITE|\/srv|db\.ts|stack/);
  });
});

describe('introspection', () => {
  it('is blocked over HTTP and SSE when off', async () => {
    server = await startBareServer({ UPTOP_INTROSPECTION: 'false' });
    const http = await post('{ __schema { queryType { name } } }');
    expect(http.body.errors[0].message).toMatch(/introspection/i);
    const typeQuery = await post('{ __type(name: "Query") { name } }');
    expect(typeQuery.body.errors[0].message).toMatch(/introspection/i);
    const sseIntrospection = await sseFirst('{ __schema { queryType { name } } }');
    expect(sseIntrospection.errors[0].message).toMatch(/introspection/i);
    expect((await post('{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('is answered when on', async () => {
    server = await startBareServer();
    expect((await post('{ __schema { queryType { name } } }')).body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });
});

describe('CSRF prevention', () => {
  it('refuses a GET or form-typed POST without the CSRF header', async () => {
    server = await startBareServer();
    const get = await fetch(`${server.url}?query=${encodeURIComponent('{ hello }')}`);
    expect(get.status).toBe(403);
    const form = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query={hello}',
    });
    expect(form.status).toBe(403);
    const text = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ hello }' }) });
    expect(text.status).toBe(403);
  });

  it('accepts a GET with the header and a JSON POST without it', async () => {
    server = await startBareServer();
    const get = await fetch(`${server.url}?query=${encodeURIComponent('{ hello }')}`, { headers: { [CSRF_HEADER]: '1' } });
    expect(await get.json()).toEqual({ data: { hello: 'world' } });
    expect((await post('{ hello }')).body).toEqual({ data: { hello: 'world' } });
  });
});
