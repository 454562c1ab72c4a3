import { onTestFinished } from 'vitest';
import type { FakeClock } from '../../src/clock.ts';
import { STREAM_TICKET_TTL_MS } from '../../src/http/stream-tickets.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';

const MINT = 'mutation { createStreamTicket { __typename ... on StreamTicketPayload { ticket expiresAt } ... on Error { message } } }';

async function mint(t: TestApp, token: string): Promise<string> {
  const res = await t.request(MINT, {}, token);
  expect(res.errors).toBeUndefined();
  return res.ok().createStreamTicket.ticket as string;
}

interface Stream {
  status: number;
  events: { event: string; data: any }[];
  /** Resolves once `n` `next` events have arrived (or the stream ended). */
  next(n: number): Promise<void>;
  close(): void;
}

/**
 * What a browser's EventSource does: a GET with `Accept: text/event-stream` and no other header (it can set none),
 * the operation and the ticket in the query string.
 */
async function eventSource(t: TestApp, query: string, ticket?: string): Promise<Stream> {
  const url = new URL(t.graphqlUrl);
  url.searchParams.set('query', query);
  if (ticket !== undefined) url.searchParams.set('ticket', ticket);
  const controller = new AbortController();
  onTestFinished(() => controller.abort());
  const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
  const events: Stream['events'] = [];
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        const reader = res.body!.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
            const data = /^data: (.*)$/m.exec(block)?.[1];
            events.push({ event, data: data ? JSON.parse(data) : null });
            wake();
          }
        }
      } catch {
        // aborted
      }
      ended = true;
      wake();
    })();
  } else {
    ended = true;
  }
  return {
    status: res.status,
    events,
    next: (n) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (ended || events.filter((e) => e.event === 'next').length >= n) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      }),
    close: () => controller.abort(),
  };
}

const nexts = (s: Stream) => s.events.filter((e) => e.event === 'next').map((e) => e.data);

describe('SSE stream tickets for browsers', () => {
  it('opens a stream from a plain GET with no Authorization or CSRF header, as the user who minted the ticket', async ({ app: t, editor, viewer }) => {
    const me = await eventSource(t, '{ me { username } }', await mint(t, editor.token));
    expect(me.status).toBe(200);
    await me.next(1);
    expect(nexts(me)).toEqual([{ data: { me: { username: 'editor' } } }]);

    const stream = await eventSource(t, 'subscription { logAdded { message } }', await mint(t, viewer.token));
    expect(stream.status).toBe(200);
    await expect
      .poll(() => {
        t.app.deps.pubsub.publish('log:added', { message: 'hello', createdAt: new Date(), siteId: null });
        return nexts(stream).length;
      })
      .toBeGreaterThan(0);
    expect(nexts(stream)[0]).toEqual({ data: { logAdded: { message: 'hello' } } });
    stream.close();
  });

  it('refuses a ticket a second time, after it expired, after its session ended, or a made-up one: the stream runs signed out', async ({ app: t, viewer }) => {
    const subscription = 'subscription { logAdded { message } }';
    const ticket = await mint(t, viewer.token);
    const first = await eventSource(t, subscription, ticket);
    expect(first.status).toBe(200);
    first.close();

    const reused = await eventSource(t, subscription, ticket);
    await reused.next(1);
    expect(nexts(reused)[0].errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const late = await mint(t, viewer.token);
    (t.clock as FakeClock).advance(STREAM_TICKET_TTL_MS + 1);
    const expired = await eventSource(t, subscription, late);
    await expired.next(1);
    expect(nexts(expired)[0].errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const session = await viewer.login();
    const afterLogout = await mint(t, session);
    await t.request('mutation { logout }', {}, session);
    const loggedOut = await eventSource(t, subscription, afterLogout);
    await loggedOut.next(1);
    expect(nexts(loggedOut)[0].errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const madeUp = await eventSource(t, subscription, 'ust_madeup');
    await madeUp.next(1);
    expect(nexts(madeUp)[0].errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('keeps CSRF prevention for a GET without a ticket, and lets no one mint without signing in', async ({ app: t, admin }) => {
    const bare = await eventSource(t, '{ me { username } }');
    expect(bare.status).toBe(403);
    const anonymous = await t.request(MINT, {}, null);
    expect(anonymous.code).toBe('UNAUTHENTICATED');
    const readOnly = await admin.request('mutation { createApiToken(input: { name: "ro" }) { ... on ApiTokenPayload { token } } }', {});
    const ticket = await mint(t, readOnly.ok().createApiToken.token);
    const asToken = await eventSource(t, '{ me { username } }', ticket);
    await asToken.next(1);
    expect(nexts(asToken)).toEqual([{ data: { me: { username: 'admin' } } }]);
  });
});
