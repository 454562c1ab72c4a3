import { describe, expect, it } from 'vitest';
import { freshDbFile } from '../helpers/db.ts';
import { globalId } from '../helpers/ids.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { graphql, serve, type Server } from '../cli/uptop.ts';
import { httpTarget, received } from './harness.ts';

const ADMIN = { UPTOP_ADMIN_USER: 'admin', UPTOP_ADMIN_PASSWORD: 'admin-password' };
const LOGIN = 'mutation($u: String!, $p: String!) { login(input: { username: $u, password: $p }) { ... on LoginPayload { token } } }';
const CHECK_NOW = 'mutation($id: ID!) { checkSiteNow(input: { id: $id }) { ... on SitePayload { site { status } } ... on Error { message } } }';

/** Checks the site now through the API, as a signed-in admin; answers its status then. */
async function checkNow(server: Server, siteId: number): Promise<string> {
  const login = await graphql(server.url, LOGIN, { u: ADMIN.UPTOP_ADMIN_USER, p: ADMIN.UPTOP_ADMIN_PASSWORD });
  const res = await graphql(server.url, CHECK_NOW, { id: globalId('Site', siteId) }, login.data.login.token);
  return res.data.checkSiteNow.site?.status ?? res.data.checkSiteNow.message;
}

// Each server is a real process (loaded through tsx), which takes seconds to start on a busy machine.
describe('engine: alerts across a crash', { timeout: 120_000 }, () => {
  it('an outage committed before a SIGKILL cut its send is told by the next start, before its recovery', async () => {
    const t = freshDbFile();
    const web = await httpTarget();
    web.reply({ status: 500 });
    const receiver = await startReceiver();
    const events = () => received(receiver, 'ops').map((a) => a.event);
    receiver.delay = 'never';
    const db = await t.open();
    const site = await db.site.create({ data: { name: 'web', type: 'HTTP', url: web.url, interval: 60 } });
    await db.alertChannel.create({
      data: { name: 'ops', provider: 'WEBHOOK', settings: JSON.stringify({ url: `${receiver.url}/ops` }), sites: { create: [{ siteId: site.id }] } },
    });
    const env = { DATABASE_URL: t.url, UPTOP_ALLOW_PRIVATE_TARGETS: 'true', ...ADMIN };

    const first = await serve([], env);
    const down = receiver.nextRequest();
    expect(await checkNow(first, site.id)).toBe('DOWN');
    await down;
    // The outage is committed (the site is marked alerted) while its send waits for the receiver's answer.
    await expect
      .poll(async () => (await db.siteRuntimeState.findUnique({ where: { siteId: site.id } }))?.lastAlertAt ?? null, { timeout: 10_000 })
      .not.toBeNull();
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(events()).toEqual(['down']);

    receiver.delay = 0;
    web.reply({ status: 200 });
    const next = await serve([], env);
    expect(await checkNow(next, site.id)).toBe('UP');
    while (!events().includes('up')) await receiver.nextRequest();
    // The cut send may have reached the service: it arrives twice rather than never.
    expect(events()).toEqual(['down', 'down', 'up']);
    expect(await next.stop()).toBe(0);
  });
});
