import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphql, logEntries, serve, tempDir, uptop } from './uptop.ts';

const ADMIN = { UPTOP_ADMIN_USER: 'admin', UPTOP_ADMIN_PASSWORD: 'admin-password' };
const LOGIN = 'mutation($u: String!, $p: String!) { login(input: { username: $u, password: $p }) { ... on LoginPayload { token } ... on Error { message } } }';
const WORLD = `query {
  sites(first: 100) { totalCount edges { node { name type paused url hostname alertChannels { name } } } }
  alertChannels { name provider }
}`;

async function login(url: string, username: string, password: string): Promise<string> {
  const res = await graphql(url, LOGIN, { u: username, p: password });
  const token = res.data?.login?.token as string | undefined;
  if (!token) throw new Error(`login failed: ${JSON.stringify(res)}`);
  return token;
}

/** Whether the server takes the token: a query that reads nothing of its user, so only the credential decides. */
async function accepted(url: string, token: string): Promise<boolean> {
  const res = await graphql(url, 'query { engineStatus { running } }', {}, token);
  return Boolean(res.data?.engineStatus);
}

// Each spawn of the CLI loads TypeScript through tsx, and a server starts in seconds on a busy machine.
describe('uptop serve', { timeout: 90_000 }, () => {
  it('--demo seeds 3 channels and 10 monitors that reach nothing, once: not again on a database that has monitors', async () => {
    const env = { DATABASE_URL: `file:${path.join(tempDir(), 'uptop.db')}`, ...ADMIN };
    const first = await serve(['serve', '--demo'], env);
    const token = await login(first.url, 'admin', 'admin-password');
    const world = (await graphql(first.url, WORLD, {}, token)).data;
    expect(world.sites.totalCount).toBe(10);
    expect(world.alertChannels).toHaveLength(3);
    const sites = world.sites.edges.map((e: { node: Record<string, any> }) => e.node);
    // Only push monitors and their group run: every monitor that would reach out is paused, and only those have channels.
    expect(sites.filter((s: any) => !s.paused).map((s: any) => s.type)).toEqual(['PUSH', 'GROUP', 'PUSH', 'PUSH']);
    expect(sites.filter((s: any) => s.alertChannels.length > 0).every((s: any) => s.paused)).toBe(true);
    expect(
      sites
        .flatMap((s: any) => [s.url, s.hostname])
        .filter(Boolean)
        .every((target: string) => /example\.(com|org|net)/.test(target)),
    ).toBe(true);
    expect(logEntries(first.log).map((e) => e.msg)).toContain('seeded the demo: 3 alert channels and 10 monitors (see README, "Command line")');
    expect(await first.stop()).toBe(0);

    // Without a command name, uptop serves too, with the options given.
    const again = await serve(['--demo'], env);
    const world2 = (await graphql(again.url, WORLD, {}, await login(again.url, 'admin', 'admin-password'))).data;
    expect([world2.sites.totalCount, world2.alertChannels.length]).toEqual([10, 3]);
    expect(logEntries(again.log).map((e) => e.msg)).toContain('not seeding the demo: the database already has monitors or alert channels');
    expect(await again.stop()).toBe(0);
  });

  it('(started without a command name) sees a user deleted by the command line within its one-second poll, on the system clock', async () => {
    const env = { DATABASE_URL: `file:${path.join(tempDir(), 'uptop.db')}`, ...ADMIN };
    const server = await serve([], env);
    expect(await uptop(['user', 'add', 'ops', '--password', 'ops-password'], env)).toMatchObject({ code: 0 });
    const token = await login(server.url, 'ops', 'ops-password');
    expect(await accepted(server.url, token)).toBe(true);
    expect(await uptop(['user', 'delete', 'ops'], env)).toMatchObject({ code: 0 });
    // The viewer cache would keep the token working for 30 s; the change signal ends it at the next poll.
    await expect.poll(() => accepted(server.url, token), { timeout: 5000, interval: 100 }).toBe(false);
    expect(await server.stop()).toBe(0);
  });
});
