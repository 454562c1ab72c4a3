import { ViewerCache, type Credential } from '../../src/auth/viewer-cache.ts';
import { FakeClock } from '../../src/clock.ts';
import type { Db } from '../../src/db/client.ts';
import type { Viewer } from '../../src/auth/viewer.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it, type Actor } from '../helpers/fixtures.ts';

/** Answers from the viewer alone (`me` would read the user row and hide a stale viewer). */
const PROBE = '{ sites(first: 1) { totalCount } }';
const CREATE_SITE = 'mutation($input: CreateSiteInput!) { createSite(input: $input) { __typename } }';
const UPDATE_USER = 'mutation($input: UpdateUserInput!) { updateUser(input: $input) { __typename ... on Error { message } } }';
const DELETE_USER = 'mutation($input: DeleteInput!) { deleteUser(input: $input) { __typename ... on Error { message } } }';
const CHANGE_PASSWORD = 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) { __typename } }';
const CREATE_TOKEN = 'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { ... on ApiTokenPayload { token apiToken { id } } } }';
const REVOKE_TOKEN = 'mutation($input: DeleteInput!) { revokeApiToken(input: $input) { __typename } }';

function credential(userId: number, tokenHash: string, expiresAtMs: number | null = null): Credential {
  const viewer: Viewer = { userId, username: `user${userId}`, role: 'VIEWER', readOnly: false, via: expiresAtMs === null ? 'apiToken' : 'session', tokenHash };
  return { viewer, rowId: userId, expiresAtMs, lastUsedAt: null };
}

describe('ViewerCache', () => {
  it('keeps an entry for the TTL and a session no longer than it lasts', () => {
    const clock = new FakeClock(1_000_000);
    const cache = new ViewerCache({ clock, ttlMs: 30_000 });
    cache.store('api', credential(1, 'api'), cache.generation);
    cache.store('session', credential(2, 'session', clock.nowMs() + 10_000), cache.generation);
    clock.advance(9_999);
    expect(cache.lookup('session')?.viewer.userId).toBe(2);
    clock.advance(1);
    expect(cache.lookup('session')).toBeUndefined();
    clock.advance(19_999);
    expect(cache.lookup('api')?.viewer.userId).toBe(1);
    clock.advance(1);
    expect(cache.lookup('api')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('refuses to store a read that started before a change committed', () => {
    const cache = new ViewerCache({ clock: new FakeClock() });
    const before = cache.generation;
    cache.forgetUser(7);
    expect(cache.store('a', credential(1, 'a'), before)).toBe(false);
    expect(cache.lookup('a')).toBeUndefined();
    expect(cache.store('a', credential(1, 'a'), cache.generation)).toBe(true);
    expect(cache.lookup('a')?.viewer.userId).toBe(1);
  });

  it('forgets one token, or every token of one user, and nothing else', () => {
    const cache = new ViewerCache({ clock: new FakeClock() });
    for (const [hash, userId] of [
      ['a1', 1],
      ['a2', 1],
      ['b1', 2],
      ['b2', 2],
    ] as const)
      cache.store(hash, credential(userId, hash), cache.generation);
    cache.forgetUser(1);
    expect([cache.lookup('a1'), cache.lookup('a2')]).toEqual([undefined, undefined]);
    cache.forgetToken('b1');
    expect(cache.lookup('b1')).toBeUndefined();
    expect(cache.lookup('b2')?.viewer.userId).toBe(2);
  });

  it('drops the oldest entry when full', () => {
    const cache = new ViewerCache({ clock: new FakeClock(), maxEntries: 2 });
    for (const hash of ['a', 'b', 'c']) cache.store(hash, credential(1, hash), cache.generation);
    expect(cache.size).toBe(2);
    expect(cache.lookup('a')).toBeUndefined();
    expect(cache.lookup('c')).toBeDefined();
  });
});

/** Counts the reader's queries per model, to see whether a request resolved its token from the database. */
function countModelQueries() {
  const counts = new Map<string, number>();
  const wrapReadDb = (db: Db) =>
    db.$extends({
      query: {
        async $allOperations({ model, args, query }) {
          if (model) counts.set(model, (counts.get(model) ?? 0) + 1);
          return query(args);
        },
      },
    }) as unknown as Db;
  return { counts, wrapReadDb };
}

async function createApiToken(user: Actor, readOnly = true): Promise<{ token: string; id: string }> {
  const res = await user.request<{ createApiToken: { token: string; apiToken: { id: string } } }>(CREATE_TOKEN, { input: { name: 'ci', readOnly } });
  const { token, apiToken } = res.ok().createApiToken;
  return { token, id: apiToken.id };
}

/** 'OK', or the error code the request was refused with. */
async function answer(t: TestApp, query: string, token: string, variables: Record<string, unknown> = {}): Promise<string> {
  const res = await t.request(query, variables, token);
  return res.code ?? 'OK';
}

const PUSH_SITE = { input: { name: 'job', type: 'PUSH' } };

describe('bearer tokens resolved from memory', () => {
  describe("with the reader's queries counted", () => {
    const { counts, wrapReadDb } = countModelQueries();
    it.override({ appOptions: { wrapReadDb } });

    it('reads a session or API token from the database at most once while it is cached', async ({ app: t, viewer }) => {
      const api = await createApiToken(viewer);
      counts.clear();
      for (let i = 0; i < 3; i++) {
        expect(await answer(t, PROBE, viewer.token)).toBe('OK');
        expect(await answer(t, PROBE, api.token)).toBe('OK');
      }
      // A login fills the cache; an API token is read on its first use.
      expect(counts.get('Session')).toBeUndefined();
      expect(counts.get('ApiToken')).toBe(1);
      expect(counts.get('User')).toBeUndefined();
    });
  });

  it('logout ends the session on the next request', async ({ app: t, viewer }) => {
    const token = await viewer.login();
    expect(await answer(t, PROBE, token)).toBe('OK');
    expect((await t.request('mutation { logout }', {}, token)).data).toEqual({ logout: true });
    expect(await answer(t, PROBE, token)).toBe('UNAUTHENTICATED');
  });

  describe('with UPTOP_SESSION_TTL=10s', () => {
    it.override({ appOptions: { env: { UPTOP_SESSION_TTL: '10s' } } });

    it('a session expires on time even while cached', async ({ app: t, clock, viewer }) => {
      const token = await viewer.login();
      clock.advance(9_999);
      expect(await answer(t, PROBE, token)).toBe('OK');
      clock.advance(1);
      expect(await answer(t, PROBE, token)).toBe('UNAUTHENTICATED');
    });
  });

  it("a password set by an admin ends the user's sessions on the next request", async ({ app: t, admin, viewer }) => {
    expect(await answer(t, PROBE, viewer.token)).toBe('OK');
    const res = await admin.request(UPDATE_USER, { input: { id: viewer.id, password: 'another-password' } });
    expect(res.ok().updateUser.__typename).toBe('UserPayload');
    expect(await answer(t, PROBE, viewer.token)).toBe('UNAUTHENTICATED');
  });

  it("changing one's own password ends the other sessions on the next request and keeps this one", async ({ app: t, editor }) => {
    const other = await editor.login();
    expect(await answer(t, PROBE, other)).toBe('OK');
    const res = await editor.request(CHANGE_PASSWORD, { input: { currentPassword: 'editor-password', newPassword: 'new-password-1' } });
    expect(res.ok().changePassword.__typename).toBe('ChangePasswordPayload');
    expect(await answer(t, PROBE, other)).toBe('UNAUTHENTICATED');
    expect(await answer(t, PROBE, editor.token)).toBe('OK');
  });

  it("a deleted user's session and API token stop working on the next request", async ({ app: t, admin, viewer }) => {
    const api = await createApiToken(viewer);
    expect(await answer(t, PROBE, api.token)).toBe('OK');
    expect(await answer(t, PROBE, viewer.token)).toBe('OK');
    const res = await admin.request(DELETE_USER, { input: { id: viewer.id } });
    expect(res.ok().deleteUser.__typename).toBe('DeletePayload');
    expect(await answer(t, PROBE, viewer.token)).toBe('UNAUTHENTICATED');
    expect(await answer(t, PROBE, api.token)).toBe('UNAUTHENTICATED');
  });

  it('a role change applies to the next request', async ({ app: t, admin, viewer }) => {
    expect(await answer(t, CREATE_SITE, viewer.token, PUSH_SITE)).toBe('FORBIDDEN');
    await admin.request(UPDATE_USER, { input: { id: viewer.id, role: 'EDITOR' } });
    expect(await answer(t, CREATE_SITE, viewer.token, PUSH_SITE)).toBe('OK');
    await admin.request(UPDATE_USER, { input: { id: viewer.id, role: 'VIEWER' } });
    expect(await answer(t, CREATE_SITE, viewer.token, PUSH_SITE)).toBe('FORBIDDEN');
  });

  it('a revoked API token stops working on the next request', async ({ app: t, editor }) => {
    const api = await createApiToken(editor);
    expect(await answer(t, PROBE, api.token)).toBe('OK');
    const res = await editor.request(REVOKE_TOKEN, { input: { id: api.id } });
    expect(res.ok().revokeApiToken.__typename).toBe('DeletePayload');
    expect(await answer(t, PROBE, api.token)).toBe('UNAUTHENTICATED');
  });

  it("a change made behind the services' back (another process) is seen once the 30 s TTL has passed", async ({ app: t, clock, viewer }) => {
    expect(await answer(t, CREATE_SITE, viewer.token, PUSH_SITE)).toBe('FORBIDDEN');
    await t.app.deps.writer.submit((tx) => tx.user.update({ where: { username: 'viewer' }, data: { role: 'EDITOR' } }));
    clock.advance(29_999);
    expect(await answer(t, CREATE_SITE, viewer.token, PUSH_SITE)).toBe('FORBIDDEN');
    clock.advance(1);
    expect(await answer(t, CREATE_SITE, viewer.token, PUSH_SITE)).toBe('OK');
  });
});
