import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { RedisUnavailableError } from '../../src/redis/events.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { collectSse, collectWs, dataOf, live, wsClient } from '../helpers/clients.ts';
import { uptop } from '../cli/uptop.ts';
import { freshDbFile } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { closedPort, startHttpTarget } from '../helpers/targets.ts';
import { startInstances, subscribed, type Peer } from './instances.ts';

const STATUS_CHANGED = 'subscription { siteStatusChanged { site { id name } change { siteId from to reason } } }';
const CHECKS = 'subscription { checkCompleted { site { id } check { up status statusCode } } }';
const LOGS = 'subscription { logAdded { message } }';
const CHECK_NOW = 'mutation($input: IdInput!) { checkSiteNow(input: $input) { __typename ... on SitePayload { site { status } } } }';
const LOGOUT = 'mutation { logout }';
const UPDATE_USER = 'mutation($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }';
const DELETE_USER = 'mutation($input: DeleteInput!) { deleteUser(input: $input) { __typename } }';
const CHANGE_PASSWORD = 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) { __typename } }';
const CREATE_TOKEN = 'mutation { createApiToken(input: { name: "dash" }) { ... on ApiTokenPayload { token apiToken { id } } } }';
const REVOKE = 'mutation($input: DeleteInput!) { revokeApiToken(input: $input) { __typename } }';
const CREATE_SITE = 'mutation($input: CreateSiteInput!) { createSite(input: $input) { __typename } }';
const CREATE_SITE_ID = 'mutation($input: CreateSiteInput!) { createSite(input: $input) { __typename ... on SitePayload { site { id } } } }';

/** DESIGN decision 13 across instances: the bound for a revocation to reach every instance. */
const WITHIN_A_SECOND = { timeout: 1000, interval: 10 };

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

/** Unhandled rejections of this process from now until the test ends (vitest would report them too, after the test). */
function unhandledRejections(): unknown[] {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  onTestFinished(() => void process.off('unhandledRejection', onRejection));
  return rejections;
}

/** Two instances; on A, a graphql-ws subscription opened with a new API token of the viewer's and one with their session. */
async function tokenAndSessionOnA() {
  const { a, b } = await startInstances(redis);
  const token = (await a.request(CREATE_TOKEN, {}, a.users.viewer.token)).ok().createApiToken;
  const tokenWs = wsClient(a.wsUrl, token.token);
  const ownWs = wsClient(a.wsUrl, a.users.viewer.token);
  const streams = [collectWs(tokenWs, LOGS), collectWs(ownWs, LOGS)];
  await subscribed(a, 2);
  await live(b, ...streams);
  return { a, b, token, tokenWs, ownWs, streams };
}

async function revokeThroughB(b: Peer, a: TestApp, tokenId: string): Promise<void> {
  expect((await b.request(REVOKE, { input: { id: tokenId } }, a.users.viewer.token)).ok().revokeApiToken.__typename).toBe('DeletePayload');
}

describe('events between instances', () => {
  it('a graphql-ws subscriber on A receives the check and the status change a check run on B produces', async () => {
    const { a, b } = await startInstances(redis);
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const client = wsClient(a.wsUrl, a.users.viewer.token);
    const changes = collectWs(client, STATUS_CHANGED);
    const checks = collectWs(client, CHECKS);
    await subscribed(a, 2);
    // A has asked Redis for both topics; B is not subscribed to them at all.
    await vi.waitFor(async () => expect(await redis.subscribers('site:statusChanged')).toBe(1));
    await vi.waitFor(async () => expect(await redis.subscribers('site:checkCompleted')).toBe(1));

    // Created through B: A's engine does not load it (its reconcile timer stands still), so only B checks it.
    const created = await b.request(CREATE_SITE_ID, { input: { name: 'on B', type: 'HTTP', url: target.url } }, a.users.admin.token);
    const { id } = created.payload('createSite', 'SitePayload').site;
    const checkOnB = async (status: string) =>
      expect((await b.request(CHECK_NOW, { input: { id } }, a.users.editor.token)).ok().checkSiteNow).toEqual({ __typename: 'SitePayload', site: { status } });
    await checkOnB('UP');
    target.reply({ status: 503 });
    await checkOnB('DOWN');

    await expect.poll(() => changes.results.length).toBe(1);
    expect(dataOf(changes.results[0]).siteStatusChanged).toEqual({
      site: { id, name: 'on B' },
      change: { siteId: id, from: 'UP', to: 'DOWN', reason: expect.stringContaining('503') },
    });
    // Every check B ran (the first one at creation, then the two asked for) reached A, in order.
    await expect.poll(() => checks.results.length).toBe(target.requestCount);
    const received = checks.results.map((r) => dataOf(r).checkCompleted);
    expect(received.at(-1)).toEqual({ site: { id }, check: { up: false, status: 'DOWN', statusCode: 503 } });
    expect(received.slice(0, -1)).toEqual(Array(target.requestCount - 1).fill({ site: { id }, check: { up: true, status: 'UP', statusCode: 200 } }));
  });

  it('keeps A serving while Redis is gone, logs the loss, reconnects and delivers again, with no unhandled rejection', async () => {
    const rejections = unhandledRejections();
    const log = capturingLogger('info');
    const { a, b } = await startInstances(redis, { logger: log.logger });
    const client = wsClient(a.wsUrl, a.users.viewer.token);
    const logs = collectWs(client, LOGS);
    await subscribed(a, 1);
    await live(b, logs);

    await redis.down();
    await vi.waitFor(() => expect(log.lines().some((l) => l.msg.startsWith('lost the connection to Redis'))).toBe(true));
    // Events published meanwhile are lost, not queued and not thrown; the API keeps answering.
    for (let i = 0; i < 50; i++) b.app.deps.engine.addLog(`while Redis is down ${i}`, null, false);
    expect((await a.request('{ me { username } }', {}, a.users.viewer.token)).ok().me).toEqual({ username: 'viewer' });

    await redis.up();
    // ioredis reconnects on its own and subscribes again; the subscriber is told its events were lost (1012), and
    // subscribed again it receives B's events once more.
    await vi.waitFor(() => expect(log.lines().some((l) => l.msg === 'reconnected to Redis')).toBe(true), { timeout: 10_000, interval: 50 });
    await expect.poll(() => client.closes, { timeout: 10_000, interval: 20 }).toEqual([1012]);
    await live(b, collectWs(wsClient(a.wsUrl, a.users.viewer.token), LOGS));
    expect(logs.results.some((r) => dataOf(r).logAdded.message.startsWith('while Redis is down'))).toBe(false);
    expect(rejections).toEqual([]);
  });

  it('stops cleanly while Redis is gone, its open subscriptions completed', async () => {
    const rejections = unhandledRejections();
    const { a, b } = await startInstances(redis);
    const logs = collectWs(wsClient(a.wsUrl, a.users.viewer.token), LOGS);
    await subscribed(a, 1);
    await live(b, logs);

    await redis.down();
    onTestFinished(() => redis.up());
    await Promise.all([a.stop(), b.app.stop()]);
    await logs.done;
    expect(rejections).toEqual([]);
  });

  it('refuses to start when Redis cannot be reached, saying which', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const failure = await startTestApp({ env: { UPTOP_REDIS_URL: url } }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(RedisUnavailableError);
    expect((failure as Error).message).toContain(`could not connect to Redis at ${url} (UPTOP_REDIS_URL)`);
  });

  it('uptop serve says so in one line and exits 1; a URL that is not Redis is refused with the configuration', async () => {
    const db = freshDbFile();
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const unreachable = await uptop(['serve'], { DATABASE_URL: db.url, UPTOP_REDIS_URL: url, UPTOP_HTTP_PORT: '0' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(new RegExp(`^uptop: could not connect to Redis at ${url} \\(UPTOP_REDIS_URL\\): connect ECONNREFUSED .*\n$`));
    expect(() => loadConfig({ UPTOP_REDIS_URL: 'http://redis:6379' })).toThrow(
      'UPTOP_REDIS_URL: expected a redis:// or rediss:// URL such as redis://redis:6379',
    );
  });
});

describe('revocations between instances', () => {
  it('a logout through B closes the graphql-ws connection the session opened on A with 4403', async () => {
    const { a, b } = await startInstances(redis);
    const session = await a.login('viewer', 'viewer-password');
    const client = wsClient(a.wsUrl, session);
    const logs = collectWs(client, LOGS);
    const bystander = collectWs(wsClient(a.wsUrl, a.users.viewer.token), LOGS);
    await subscribed(a, 1);
    await live(b, logs, bystander);

    expect((await b.request(LOGOUT, {}, session)).ok()).toEqual({ logout: true });
    await expect.poll(() => client.closes, WITHIN_A_SECOND).toEqual([4403]);
    await logs.done;
    await live(b, bystander);
    expect((await a.request('{ me { username } }', {}, session)).ok().me).toBeNull();
  });

  it('a password change through B ends what the other sessions opened on A, graphql-ws and SSE', async () => {
    const { a, b } = await startInstances(redis);
    const other = await a.login('viewer', 'viewer-password');
    const otherWs = wsClient(a.wsUrl, other);
    const ownWs = wsClient(a.wsUrl, a.users.viewer.token);
    const otherSse = await collectSse(a.graphqlUrl, LOGS, { token: other });
    const streams = [collectWs(otherWs, LOGS), collectWs(ownWs, LOGS), otherSse];
    await subscribed(a, 2);
    await live(b, ...streams);

    const changed = await b.request(CHANGE_PASSWORD, { input: { currentPassword: 'viewer-password', newPassword: 'new-password-1' } }, a.users.viewer.token);
    expect(changed.ok().changePassword.__typename).toBe('ChangePasswordPayload');
    await expect.poll(() => [otherWs.closes, otherSse.ending], WITHIN_A_SECOND).toEqual([[4403], 'complete']);
    // The session that changed the password keeps its connection.
    await live(b, streams[1]!);
    expect(ownWs.closes).toEqual([]);
  });

  it('deleting a user through B ends their SSE stream and closes their graphql-ws connection on A', async () => {
    const { a, b } = await startInstances(redis);
    const ws = wsClient(a.wsUrl, a.users.editor.token);
    const sse = await collectSse(a.graphqlUrl, LOGS, { token: a.users.editor.token });
    const streams = [collectWs(ws, LOGS), sse];
    await subscribed(a, 2);
    await live(b, ...streams);

    expect((await b.request(DELETE_USER, { input: { id: a.users.editor.id } }, a.users.admin.token)).ok().deleteUser.__typename).toBe('DeletePayload');
    await expect.poll(() => [ws.closes, sse.ending], WITHIN_A_SECOND).toEqual([[4403], 'complete']);
    await subscribed(a, 0);
  });

  it('revoking an API token through B closes what it opened on A', async () => {
    const { a, b, token, tokenWs, ownWs, streams } = await tokenAndSessionOnA();

    await revokeThroughB(b, a, token.apiToken.id);
    await expect.poll(() => tokenWs.closes, WITHIN_A_SECOND).toEqual([4403]);
    expect((await a.request('{ me { username } }', {}, token.token)).ok().me).toBeNull();
    await live(b, streams[1]!);
    expect(ownWs.closes).toEqual([]);
  });

  it('a revocation made through B while Redis was away takes effect on A once Redis is back', async () => {
    const { a, b, token, tokenWs, ownWs } = await tokenAndSessionOnA();
    // A has the token's viewer cached.
    expect((await a.request('{ me { username } }', {}, token.token)).ok().me).toEqual({ username: 'viewer' });

    await redis.down();
    await revokeThroughB(b, a, token.apiToken.id);
    await redis.up();
    // Back, both connections are told their events were lost (1012), and A forgets its cached viewers: what B did
    // meanwhile takes effect, so the token's new connection is refused while the session's is served.
    await expect.poll(() => [tokenWs.closes, ownWs.closes], { timeout: 10_000, interval: 20 }).toEqual([[1012], [1012]]);
    expect((await a.request('{ me { username } }', {}, token.token)).ok().me).toBeNull();
    const again = wsClient(a.wsUrl, token.token);
    await expect.poll(() => again.closes, { timeout: 5000, interval: 20 }).toEqual([4403]);
    await live(b, collectWs(wsClient(a.wsUrl, a.users.viewer.token), LOGS));
  });

  it('a viewer cached on A is refused after a role change through B, and its subscription on A ends', async () => {
    const { a, b } = await startInstances(redis);
    const create = (name: string) => a.request(CREATE_SITE, { input: { name, type: 'PUSH' } }, a.users.editor.token);
    // A has resolved the editor's token: it is in A's viewer cache, good for 30 s on A's clock, which stands still.
    expect((await create('as editor')).ok().createSite.__typename).toBe('SitePayload');
    const ws = wsClient(a.wsUrl, a.users.editor.token);
    const logs = collectWs(ws, LOGS);
    await subscribed(a, 1);
    await live(b, logs);

    expect((await b.request(UPDATE_USER, { input: { id: a.users.editor.id, role: 'VIEWER' } }, a.users.admin.token)).ok().updateUser.__typename).toBe(
      'UserPayload',
    );
    await expect.poll(() => ws.closes, WITHIN_A_SECOND).toEqual([4403]);
    const refused = await create('as viewer');
    expect(refused.code).toBe('FORBIDDEN');
    expect(await a.app.deps.db.site.count({ where: { name: 'as viewer' } })).toBe(0);
  });
});
