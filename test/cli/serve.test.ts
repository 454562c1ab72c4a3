import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedPort, createCertificate } from '../helpers/targets.ts';
import { graphql, serve, tempDir, uptop } from './uptop.ts';

const ADMIN = { UPTOP_ADMIN_USER: 'admin', UPTOP_ADMIN_PASSWORD: 'admin-password' };
const LOGIN = 'mutation($u: String!, $p: String!) { login(input: { username: $u, password: $p }) { ... on LoginPayload { token } ... on Error { message } } }';
const WORLD = `query {
  sites(first: 100) { totalCount edges { node { id name type paused url hostname description pushToken alertChannels { name } } } }
  alertChannels { name provider }
}`;

async function login(url: string, username: string, password: string): Promise<string> {
  const res = await graphql(url, LOGIN, { u: username, p: password });
  const token = res.data?.login?.token as string | undefined;
  if (!token) throw new Error(`login failed: ${JSON.stringify(res)}`);
  return token;
}

/** The request of the `curl` command in `text`, its shell variables (`$UPTOP`) filled from `vars`. */
function curlRequest(text: string, vars: Record<string, string>): { url: string; headers: Record<string, string> } {
  const command = text.slice(text.indexOf('curl '));
  const words = [...command.matchAll(/"([^"]*)"|(\S+)/g)].map(([, quoted, bare]) => (quoted ?? bare!).replace(/\$(\w+)/g, (_, name: string) => vars[name]!));
  const headers: Record<string, string> = {};
  words.forEach((word, i) => {
    if (words[i - 1] === '-H') headers[word.slice(0, word.indexOf(':'))] = word.slice(word.indexOf(':') + 1).trim();
  });
  const url = words.filter((word, i) => i > 0 && !word.startsWith('-') && words[i - 1] !== '-H').at(-1)!;
  return { url, headers };
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
    // The demo is seeded once the server listens: its log line says when the monitors are there.
    await first.logged('seeded the demo: 3 alert channels and 10 monitors (see README, "Command line")');
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

    // The heartbeat line a push monitor's description gives, run as written, is a beat, its token not in the URL
    // (the deprecated `?token=` ends up in proxy and access logs).
    const backup = sites.find((s: any) => s.name === 'Backup job');
    const beat = curlRequest(backup.description, { UPTOP: first.url, PUSH_TOKEN: backup.pushToken });
    expect(beat.url).not.toContain(backup.pushToken);
    expect((await fetch(beat.url, { headers: beat.headers })).status).toBe(200);
    const status = await graphql(first.url, 'query($id: ID!) { site(id: $id) { status } }', { id: backup.id }, token);
    expect(status.data.site.status).toBe('UP');
    expect(await first.stop()).toBe(0);

    // Without a command name, uptop serves too, with the options given.
    const again = await serve(['--demo'], env);
    await again.logged('not seeding the demo: the database already has monitors or alert channels');
    const world2 = (await graphql(again.url, WORLD, {}, await login(again.url, 'admin', 'admin-password'))).data;
    expect([world2.sites.totalCount, world2.alertChannels.length]).toEqual([10, 3]);
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

  it('refuses a second server on the same SQLite file, changing nothing, and takes the file over once the first is killed', async () => {
    // Two engines on one file checked every site and sent every alert twice; the second started without a word.
    const file = path.join(tempDir(), 'uptop.db');
    const env = { DATABASE_URL: `file:${file}`, ...ADMIN };
    const first = await serve([], env);
    const second = await uptop(['serve'], { ...env, UPTOP_HTTP_HOST: '127.0.0.1', UPTOP_HTTP_PORT: '0' });
    expect(second).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `uptop: another uptop server is running on ${file} (it holds ${file}-lock): stop it first. ` +
        'Commands such as `uptop user` and `uptop apply` work beside it; several servers need PostgreSQL.\n',
    });
    // The commands are not servers: they work beside it.
    expect(await uptop(['user', 'add', 'ops', '--password', 'ops-password'], env)).toMatchObject({ code: 0 });
    expect(await accepted(first.url, await login(first.url, 'ops', 'ops-password'))).toBe(true);
    // A crash leaves the lock file behind; the claim died with the process.
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(fs.existsSync(`${file}-lock`)).toBe(true);
    const next = await serve([], env);
    expect(await accepted(next.url, await login(next.url, 'ops', 'ops-password'))).toBe(true);
    expect(await next.stop()).toBe(0);
  });

  it('stops with one line naming UPTOP_TLS_CERT or UPTOP_TLS_KEY when a TLS file cannot be read or used', async () => {
    const dir = tempDir();
    // One database each: a second server on a file stops at the file, before its TLS files are read.
    const env = (n: number) => ({ DATABASE_URL: `file:${path.join(dir, `uptop-${n}.db`)}` });
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const pems = await createCertificate(30);
    fs.writeFileSync(cert, pems.cert);
    fs.writeFileSync(key, pems.key);
    const garbage = path.join(dir, 'garbage.pem');
    fs.writeFileSync(garbage, 'not PEM\n');
    const missingCert = path.join(dir, 'nope.pem');
    const missingKey = path.join(dir, 'nope.key');
    const runs = await Promise.all([
      uptop(['serve'], { ...env(1), UPTOP_TLS_CERT: missingCert, UPTOP_TLS_KEY: missingKey }),
      uptop(['serve'], { ...env(2), UPTOP_TLS_CERT: cert, UPTOP_TLS_KEY: missingKey }),
      uptop(['serve'], { ...env(3), UPTOP_TLS_CERT: garbage, UPTOP_TLS_KEY: key }),
    ]);
    expect(runs.map((r) => [r.code, r.stdout])).toEqual(Array(3).fill([1, '']));
    expect(runs[0]!.stderr).toBe(`uptop: could not read ${missingCert} (UPTOP_TLS_CERT): ENOENT: no such file or directory, open '${missingCert}'\n`);
    expect(runs[1]!.stderr).toBe(`uptop: could not read ${missingKey} (UPTOP_TLS_KEY): ENOENT: no such file or directory, open '${missingKey}'\n`);
    // OpenSSL's own words follow; the variables come first.
    expect(runs[2]!.stderr).toMatch(new RegExp(`^uptop: could not use ${garbage} and ${key} \\(UPTOP_TLS_CERT, UPTOP_TLS_KEY\\): .+\n$`));
  });

  it('stops with one line naming DATABASE_URL, its password masked, when the database cannot be reached or opened', async () => {
    // Nothing listens on that loopback port: the connection is refused at once.
    const port = await closedPort();
    const pg = await uptop(['serve'], { DATABASE_URL: `postgresql://uptop:db-s3cret@127.0.0.1:${port}/uptop` });
    expect(pg).toEqual({
      code: 1,
      stdout: '',
      stderr: `uptop: could not open the database at postgresql://uptop:***@127.0.0.1:${port}/uptop (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:${port}\n`,
    });

    // A SQLite file whose folder would have to be a regular file.
    const file = path.join(tempDir(), 'not-a-folder');
    fs.writeFileSync(file, '');
    const sqlite = await uptop(['serve'], { DATABASE_URL: `file:${file}/uptop.db` });
    expect([sqlite.code, sqlite.stdout]).toEqual([1, '']);
    expect(sqlite.stderr).toMatch(new RegExp(`^uptop: could not open the database at ${file}/uptop\\.db \\(DATABASE_URL\\): E[A-Z]+: .+\n$`));
  });

  it('every other command names DATABASE_URL the same way, and migrate-db the option that named the database', async () => {
    const port = await closedPort();
    const url = `postgresql://uptop:db-s3cret@127.0.0.1:${port}/uptop`;
    const line = (source: string) =>
      `uptop: could not open the database at postgresql://uptop:***@127.0.0.1:${port}/uptop (${source}): connect ECONNREFUSED 127.0.0.1:${port}\n`;
    const commands = [
      ['migrate'],
      ['user', 'list'],
      ['token', 'create', 'ann'],
      ['export'],
      ['apply', '-f', 'uptop.yaml', '--dry-run'],
      ['import', 'backup.json'],
    ];
    const runs = await Promise.all(commands.map((args) => uptop(args, { DATABASE_URL: url })));
    expect(runs).toEqual(commands.map(() => ({ code: 1, stdout: '', stderr: line('DATABASE_URL') })));

    const from = path.join(tempDir(), 'uptop.db');
    expect(await uptop(['migrate'], { DATABASE_URL: `file:${from}` })).toMatchObject({ code: 0 });
    expect(await uptop(['migrate-db', '--from', `file:${from}`, '--to', url], {})).toEqual({ code: 1, stdout: '', stderr: line('--to') });
  });
});
