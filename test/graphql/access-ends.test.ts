import { inject, vi } from 'vitest';
import { MAX_TIMER_DELAY_MS, systemClock } from '../../src/clock.ts';
import type { FakeClock } from '../../src/clock.ts';
import type { TestApp } from '../helpers/app.ts';
import { collectSse, collectWs, dataOf, live, wsClient, type Collected } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { createPushSite } from '../helpers/sites.ts';

const LOGS = 'subscription { logAdded { message } }';
const CHANGES = 'subscription { siteStatusChanged { site { pushToken } } }';
const LOGOUT = 'mutation { logout }';
const UPDATE_USER = 'mutation($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }';
const DELETE_USER = 'mutation($input: DeleteInput!) { deleteUser(input: $input) { __typename } }';
const CHANGE_PASSWORD = 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) { __typename } }';
const REVOKE = 'mutation($input: DeleteInput!) { revokeApiToken(input: $input) { __typename } }';
const CREATE_TOKEN = 'mutation { createApiToken(input: { name: "dash" }) { ... on ApiTokenPayload { token apiToken { id } } } }';
const CREATE_EXPIRING = 'mutation($at: DateTime) { createApiToken(input: { name: "script", expiresAt: $at }) { ... on ApiTokenPayload { token } } }';
const DAY_MS = 24 * 3600_000;

/**
 * Polls `state` until it reads as expected. The watch may still be checking the credential when time moves, and
 * arm its expiry after: advancing by 0 then fires that timer.
 */
async function endsAt<T>(clock: FakeClock, state: () => T, expected: T): Promise<void> {
  await expect
    .poll(() => {
      clock.advance(0);
      return state();
    })
    .toEqual(expected);
}

async function subscribed(t: TestApp, count: number): Promise<void> {
  await vi.waitFor(() => expect(t.app.http.openSubscriptions).toBe(count), { timeout: 5000, interval: 10 });
}

/** Publishes a status change of the site until every stream has received one. */
async function changed(t: TestApp, ...streams: Collected[]): Promise<void> {
  const before = streams.map((s) => s.results.length);
  await expect
    .poll(() => {
      t.app.deps.pubsub.publish('site:statusChanged', { siteId: 1, from: 'UP', to: 'DOWN', reason: 'r', changedAt: new Date() });
      return streams.every((s, i) => s.results.length > before[i]!);
    })
    .toBe(true);
}

describe('access ends when its grant ends', () => {
  it('closes a graphql-ws connection with 4403 at logout, and it receives nothing after', async ({ app: t, viewer }) => {
    const session = await viewer.login();
    const client = wsClient(t.wsUrl, session);
    const logs = collectWs(client, LOGS);
    await subscribed(t, 1);
    // Another session of the same user with the same rights: it shares the execution the first one started.
    const bystander = collectWs(wsClient(t.wsUrl, viewer.token), LOGS);
    await live(t, logs, bystander);

    expect((await t.request(LOGOUT, {}, session)).data).toEqual({ logout: true });
    await expect.poll(() => client.closes).toEqual([4403]);
    await logs.done;
    const received = logs.results.length;
    await live(t, bystander);
    expect(logs.results).toHaveLength(received);
    expect(t.app.http.openSubscriptions).toBe(1);
  });

  it('ends an SSE stream at demotion and another at deletion, and never delivers a push token after the demotion', async ({ app: t, admin, editor }) => {
    await createPushSite(t);
    const asEditor = await collectSse(t.graphqlUrl, CHANGES, { token: editor.token });
    await subscribed(t, 1);
    await changed(t, asEditor);
    expect(dataOf(asEditor.results[0]).siteStatusChanged.site.pushToken).toMatch(/^[0-9a-f]{32}$/);

    expect((await admin.request(UPDATE_USER, { input: { id: editor.id, role: 'VIEWER' } })).ok().updateUser.__typename).toBe('UserPayload');
    await asEditor.done;
    expect(asEditor.ending).toBe('complete');
    const editorResults = asEditor.results.length;

    const demoted = await collectSse(t.graphqlUrl, CHANGES, { token: editor.token });
    await subscribed(t, 1);
    await changed(t, demoted);
    expect(demoted.results.every((r) => dataOf(r).siteStatusChanged.site.pushToken === null)).toBe(true);

    expect((await admin.request(DELETE_USER, { input: { id: editor.id } })).ok().deleteUser.__typename).toBe('DeletePayload');
    await demoted.done;
    expect(demoted.ending).toBe('complete');
    await subscribed(t, 0);
    expect(asEditor.results).toHaveLength(editorResults);
  });

  it('closes the graphql-ws connections of a user whose role changes, and of one who is deleted', async ({ app: t, admin, editor, viewer }) => {
    const editorWs = wsClient(t.wsUrl, editor.token);
    const viewerWs = wsClient(t.wsUrl, viewer.token);
    const adminWs = wsClient(t.wsUrl, admin.token);
    const streams = [collectWs(editorWs, LOGS), collectWs(viewerWs, LOGS), collectWs(adminWs, LOGS)];
    await subscribed(t, 3);
    await live(t, ...streams);

    await admin.request(UPDATE_USER, { input: { id: editor.id, role: 'VIEWER' } });
    await expect.poll(() => editorWs.closes).toEqual([4403]);
    await admin.request(DELETE_USER, { input: { id: viewer.id } });
    await expect.poll(() => viewerWs.closes).toEqual([4403]);
    // A rename changes no rights: nothing ends.
    await admin.request(UPDATE_USER, { input: { id: admin.id, username: 'root' } });
    await subscribed(t, 1);
    expect(adminWs.closes).toEqual([]);
  });

  it('ends what other sessions opened at a password change, and what a revoked or reset API token opened', async ({ app: t, admin, viewer }) => {
    const other = await viewer.login();
    const token = (await viewer.request(CREATE_TOKEN, {})).ok().createApiToken;
    const otherWs = wsClient(t.wsUrl, other);
    const tokenWs = wsClient(t.wsUrl, token.token);
    const ownWs = wsClient(t.wsUrl, viewer.token);
    const otherSse = await collectSse(t.graphqlUrl, LOGS, { token: other });
    const streams = [collectWs(otherWs, LOGS), collectWs(tokenWs, LOGS), collectWs(ownWs, LOGS), otherSse];
    // The two sessions' graphql-ws subscriptions share one execution.
    await subscribed(t, 3);
    await live(t, ...streams);

    await viewer.request(CHANGE_PASSWORD, { input: { currentPassword: 'viewer-password', newPassword: 'new-password-1' } });
    await expect.poll(() => otherWs.closes).toEqual([4403]);
    await otherSse.done;
    expect(otherSse.ending).toBe('complete');
    expect([tokenWs.closes, ownWs.closes]).toEqual([[], []]);

    await live(t, streams[2]!);
    await viewer.request(REVOKE, { input: { id: token.apiToken.id } });
    await expect.poll(() => tokenWs.closes).toEqual([4403]);
    await subscribed(t, 1);

    const second = (await viewer.request(CREATE_TOKEN, {})).ok().createApiToken;
    const secondSse = await collectSse(t.graphqlUrl, LOGS, { token: second.token });
    await subscribed(t, 2);
    await admin.request(UPDATE_USER, { input: { id: viewer.id, password: 'reset-password-1' } });
    await secondSse.done;
    expect(secondSse.ending).toBe('complete');
    await expect.poll(() => ownWs.closes).toEqual([4403]);
  });

  it("ends an API token's graphql-ws and SSE subscriptions when it expires, on the injected clock", async ({ app: t, clock, viewer }) => {
    const hour = (await viewer.request(CREATE_EXPIRING, { at: new Date(clock.nowMs() + 3600_000) })).ok().createApiToken.token;
    const forever = (await viewer.request(CREATE_EXPIRING, { at: null })).ok().createApiToken.token;
    const client = wsClient(t.wsUrl, hour);
    const foreverClient = wsClient(t.wsUrl, forever);
    const sse = await collectSse(t.graphqlUrl, LOGS, { token: hour });
    const streams = [collectWs(client, LOGS), collectWs(foreverClient, LOGS), sse];
    await subscribed(t, 2);
    await live(t, ...streams);

    clock.advance(3600_000 - 1);
    await live(t, ...streams);
    expect(client.closes).toEqual([]);
    clock.advance(1);
    await endsAt(clock, () => [client.closes, sse.ending], [[4403], 'complete']);
    expect(foreverClient.closes).toEqual([]);
    await live(t, streams[1]!);
    expect(t.app.http.openSubscriptions).toBe(1);
  });

  // The expiry waits on the monotonic clock, so the year is advanced through; on PostgreSQL that would also run the
  // cluster's lease round every 2 s, 15 million of them. The timer is the same on both stores.
  it.skipIf(inject('postgres'))(
    'keeps the subscriptions of a token that expires in a year open past the longest timer Node has, and ends them at the year',
    async ({ app: t, clock, viewer }) => {
      const year = (await viewer.request(CREATE_EXPIRING, { at: new Date(clock.nowMs() + 365 * DAY_MS) })).ok().createApiToken.token;
      const client = wsClient(t.wsUrl, year);
      const logs = collectWs(client, LOGS);
      await subscribed(t, 1);
      await live(t, logs);

      clock.advance(MAX_TIMER_DELAY_MS + 60_000);
      await live(t, logs);
      clock.advance(365 * DAY_MS - MAX_TIMER_DELAY_MS - 60_000 - 1);
      await live(t, logs);
      expect(client.closes).toEqual([]);
      clock.advance(1);
      await endsAt(clock, () => client.closes, [4403]);
    },
  );

  describe('with UPTOP_SESSION_TTL=1h', () => {
    it.override({ appOptions: { env: { UPTOP_SESSION_TTL: '1h' } } });

    it("ends a session's subscriptions when it expires, on the injected clock", async ({ app: t, clock, viewer }) => {
      const session = await viewer.login();
      clock.advance(30 * 60_000);
      const later = await viewer.login();
      const client = wsClient(t.wsUrl, session);
      const laterClient = wsClient(t.wsUrl, later);
      const sse = await collectSse(t.graphqlUrl, LOGS, { token: session });
      const streams = [collectWs(client, LOGS), collectWs(laterClient, LOGS), sse];
      await subscribed(t, 2);
      await live(t, ...streams);

      clock.advance(30 * 60_000 - 1);
      await live(t, ...streams);
      expect(client.closes).toEqual([]);
      clock.advance(1);
      await endsAt(clock, () => [client.closes, sse.ending], [[4403], 'complete']);
      expect(laterClient.closes).toEqual([]);
      await live(t, streams[1]!);
      expect(t.app.http.openSubscriptions).toBe(1);
    });
  });

  describe('with UPTOP_SESSION_TTL=3s on the system clock', () => {
    it.override({ appOptions: { clock: systemClock, env: { UPTOP_SESSION_TTL: '3s' } } });

    it("ends a session's subscriptions when it expires, on the system clock", async ({ app: t, viewer }) => {
      const session = await viewer.login();
      const sse = await collectSse(t.graphqlUrl, LOGS, { token: session });
      const client = wsClient(t.wsUrl, session);
      collectWs(client, LOGS);
      await subscribed(t, 2);
      await sse.done;
      expect(sse.ending).toBe('complete');
      await expect.poll(() => client.closes).toEqual([4403]);
      expect((await t.request('{ me { username } }', {}, session)).ok().me).toBeNull();
    });
  });
});

describe('expired sessions', () => {
  describe('with UPTOP_SESSION_TTL=1h, UPTOP_MAINT_PRUNE_INTERVAL=15m', () => {
    it.override({ appOptions: { env: { UPTOP_SESSION_TTL: '1h', UPTOP_MAINT_PRUNE_INTERVAL: '15m' } } });

    it("are deleted on the writer's retention timer, without waiting for their user's next login", async ({ app: t, clock, editor }) => {
      const sessions = () => t.app.deps.db.session.count();
      expect(await sessions()).toBe(3);
      await clock.advanceAsync(50 * 60_000);
      const fresh = await editor.login();
      await clock.advanceAsync(10 * 60_000);
      // The seeded sessions expired at 60 minutes; the prune at 60 minutes may have run just before that instant.
      await clock.advanceAsync(15 * 60_000);
      await expect.poll(sessions).toBe(1);
      expect((await t.request('{ me { username } }', {}, fresh)).ok().me).toEqual({ username: 'editor' });
    });
  });
});
