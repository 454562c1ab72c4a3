import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp } from '../helpers/app.ts';

function raw(url: string, token: string | null, messages: string[]): Promise<{ got: unknown[]; code: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws');
    const got: unknown[] = [];
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} })));
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      got.push(m);
      if (m.type === 'connection_ack') for (const x of messages) ws.send(x);
    });
    ws.on('close', (code) => resolve({ got, code }));
    setTimeout(() => ws.close(), 1500);
  });
}

describe('probe2', () => {
  it('ws garbage', async () => {
    const t = await startTestApp({ logger: (await import('pino')).default({ level: 'error' }) });
    const tok = t.users.viewer.token;
    const deep = '{"a":'.repeat(10000) + '1' + '}'.repeat(10000);
    const cases: Record<string, string[]> = {
      notjson: ['hello'],
      unknownType: [JSON.stringify({ type: 'bogus' })],
      subscribeNoId: [JSON.stringify({ type: 'subscribe', payload: { query: '{ __typename }' } })],
      subscribeNoQuery: [JSON.stringify({ id: '1', type: 'subscribe', payload: {} })],
      queryNumber: [JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 5 } })],
      variablesString: [JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ __typename }', variables: 'x' } })],
      deepVariables: [`{"id":"1","type":"subscribe","payload":{"query":"subscription($ids: [ID!]) { siteStatusChanged(siteIds: $ids) { change { to } } }","variables":{"x":${deep}}}}`],
      dupId: [JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { logAdded { message } }' } }), JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { logAdded { message } }' } })],
      completeUnknown: [JSON.stringify({ id: 'zz', type: 'complete' })],
      mutationViewer: [JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'mutation { createSite(input: { name: "x", type: PUSH }) { __typename } }' } })],
      badSiteIds: [JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { siteStatusChanged(siteIds: ["nope"]) { change { to } } }' } })],
      secondInit: [JSON.stringify({ type: 'connection_init' })],
    };
    const out: Record<string, unknown> = {};
    for (const [name, msgs] of Object.entries(cases)) {
      const r = await raw(t.wsUrl, tok, msgs);
      out[name] = { code: r.code, got: JSON.stringify(r.got).slice(0, 400) };
    }
    out.badParams = await new Promise((resolve) => {
      const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 5 } })));
      ws.on('close', (code) => resolve(code));
    });
    out.paramsArray = await new Promise((resolve) => {
      const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: [1] })));
      ws.on('close', (code) => resolve(code));
    });
    out.binary = await new Promise((resolve) => {
      const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
      ws.on('open', () => ws.send(Buffer.from([0xff, 0xfe, 0x00])));
      ws.on('close', (code) => resolve(code));
    });
    out.noProtocol = await new Promise((resolve) => {
      const ws = new WebSocket(t.wsUrl);
      ws.on('open', () => ws.send('x'));
      ws.on('close', (code) => resolve(code));
      ws.on('error', () => undefined);
    });
    // SSE disconnect
    for (let i = 0; i < 5; i++) {
      const c = new AbortController();
      const res = await fetch(t.graphqlUrl, { method: 'POST', signal: c.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tok}` }, body: JSON.stringify({ query: 'subscription { logAdded { message } }' }) });
      const reader = res.body!.getReader();
      void reader.read().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
      c.abort();
    }
    await new Promise((r) => setTimeout(r, 300));
    t.app.deps.engine.addLog('hello', null);
    await new Promise((r) => setTimeout(r, 300));
    out.openAfterSseAbort = t.app.http.openSubscriptions;
    out.alive = (await fetch(`${t.url}/healthz`)).status;
    console.log(JSON.stringify(out, null, 1));
  });
});
