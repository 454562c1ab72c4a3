import type { TestApp } from '../helpers/app.ts';
import { collectWs, wsClient } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { pollChanges, uptop } from './uptop.ts';

const ME = 'query { me { username role } }';
const CREATE_SITE = 'mutation { createSite(input: { name: "from a token", type: PUSH }) { __typename } }';

async function me(t: TestApp, token: string): Promise<unknown> {
  return (await t.request(ME, {}, token)).data?.me ?? null;
}

/** Whether the server takes the token: a query that reads nothing of its user, so only the credential decides. */
async function accepted(t: TestApp, token: string): Promise<boolean> {
  const res = await t.request('query { engineStatus { running } }', {}, token);
  if (res.data?.engineStatus) return true;
  expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  return false;
}

// Each spawn of the CLI loads TypeScript through tsx: seconds on a busy machine.
describe('uptop user and token, against a server running on the same database', { timeout: 60_000 }, () => {
  it('adds a user who signs in; a new password and a deletion end their sessions and subscriptions at the next poll', async ({ app: t }) => {
    const env = { DATABASE_URL: t.db.url };
    const added = await uptop(['user', 'add', 'zoe', '--role', 'editor'], env, 'first-password\n');
    expect(added).toEqual({ code: 0, stdout: 'created editor "zoe" (id 4)\n', stderr: '' });
    const first = await t.login('zoe', 'first-password');
    const ws = wsClient(t.wsUrl, first);
    collectWs(ws, 'subscription { logAdded { message } }');
    await expect.poll(() => t.app.http.openSubscriptions).toBe(1);

    const [list, passwd, lastAdmin] = await Promise.all([
      uptop(['user', 'list'], env),
      uptop(['user', 'passwd', 'zoe', '--password', 'second-password'], env),
      uptop(['user', 'delete', 'admin'], env),
    ]);
    expect(list.stdout.split('\n').map((line) => line.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'ID USERNAME ROLE',
      '1 admin admin',
      '2 editor editor',
      '3 viewer viewer',
      '4 zoe editor',
      '',
    ]);
    expect(passwd).toMatchObject({ code: 0, stdout: 'changed the password of "zoe"; their sessions and API tokens have ended\n' });
    expect(lastAdmin).toEqual({ code: 1, stdout: '', stderr: 'uptop: cannot delete the last admin\n' });

    // The server answers from its viewer cache until the change signal tells it otherwise.
    expect(await accepted(t, first)).toBe(true);
    await pollChanges(t);
    expect(await accepted(t, first)).toBe(false);
    await expect.poll(() => ws.closes).toEqual([4403]);
    await expect(t.login('zoe', 'first-password')).rejects.toThrow(/invalid username or password/);
    const second = await t.login('zoe', 'second-password');
    expect(await me(t, second)).toEqual({ username: 'zoe', role: 'EDITOR' });

    expect(await uptop(['user', 'delete', 'zoe'], env)).toEqual({ code: 0, stdout: 'deleted "zoe"\n', stderr: '' });
    expect(await accepted(t, second)).toBe(true);
    await pollChanges(t);
    expect(await accepted(t, second)).toBe(false);
  });

  it('token create prints a token that authenticates against the server: read-only, or with the user’s rights with --write', async ({ app: t }) => {
    const env = { DATABASE_URL: t.db.url };
    const [readOnly, writing] = await Promise.all([
      uptop(['token', 'create', 'editor', '--name', 'dashboard'], env),
      uptop(['token', 'create', 'editor', '--name', 'deploy', '--write'], env),
    ]);
    expect([readOnly.code, writing.code]).toEqual([0, 0]);
    expect(readOnly.stderr).toBe('created API token "dashboard" for "editor", read-only, until revoked; it is not shown again\n');
    expect(writing.stderr).toBe('created API token "deploy" for "editor", with editor rights, until revoked; it is not shown again\n');
    const [readToken, writeToken] = [readOnly.stdout.trim(), writing.stdout.trim()];

    expect(await me(t, readToken)).toEqual({ username: 'editor', role: 'EDITOR' });
    const refused = await t.request(CREATE_SITE, {}, readToken);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const created = await t.request(CREATE_SITE, {}, writeToken);
    expect(created.data).toEqual({ createSite: { __typename: 'SitePayload' } });
  });

  it('token create --expires-in gives the token an expiry that long from now, and refuses what is no duration', async ({ app: t }) => {
    const env = { DATABASE_URL: t.db.url };
    const week = await uptop(['token', 'create', 'editor', '--name', 'script', '--expires-in', '7d'], env);
    expect(week.code).toBe(0);
    const stored = await t.app.deps.db.apiToken.findFirstOrThrow({ where: { name: 'script' } });
    expect(week.stderr).toBe(`created API token "script" for "editor", read-only, until ${stored.expiresAt!.toISOString()}; it is not shown again\n`);
    // The expiry is taken just before the row's creation time, on the same clock.
    const lifetime = stored.expiresAt!.getTime() - stored.createdAt.getTime();
    expect(lifetime).toBeLessThanOrEqual(7 * 24 * 3600_000);
    expect(lifetime).toBeGreaterThan(6 * 24 * 3600_000);
    expect(await me(t, week.stdout.trim())).toEqual({ username: 'editor', role: 'EDITOR' });

    const before = await t.app.deps.db.apiToken.count();
    const refused = await uptop(['token', 'create', 'editor', '--expires-in', '7'], env);
    expect(refused).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('--expires-in: expected a positive duration such as 72h, 7d or 15m (got "7")'),
    });
    expect(await t.app.deps.db.apiToken.count()).toBe(before);
  });
});
