import { onTestFinished, vi } from 'vitest';
import { decodeId } from '../../src/graphql/ids.ts';
import { FIRST_RETRY_MS } from '../../src/writer/outage.ts';
import { fillDisk } from '../helpers/db.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { createSite } from '../helpers/sites.ts';
import { startHttpTarget } from '../helpers/targets.ts';

const CREATE_CHANNEL = /* GraphQL */ `
  mutation Channel($input: CreateAlertChannelInput!) {
    createAlertChannel(input: $input) { __typename ... on AlertChannelPayload { alertChannel { id } } ... on Error { message } }
  }
`;

const CHECK_NOW = /* GraphQL */ `
  mutation CheckNow($id: ID!) { checkSiteNow(input: { id: $id }) { __typename ... on SitePayload { site { status } } ... on Error { message } } }
`;

describe('a running server whose database cannot be written', () => {
  it('alerts on a site going DOWN meanwhile, and writes its checks and state change once there is room again', async ({ app: t, editor, clock }) => {
    const { writer, writeDb, db } = t.app.deps;
    const target = await startHttpTarget();
    onTestFinished(() => target.close());
    const receiver = await startReceiver();
    const channel = await editor.request<{ createAlertChannel: { alertChannel?: { id: string } } }>(CREATE_CHANNEL, {
      input: { name: 'on-call hook', provider: 'WEBHOOK', settings: { url: `${receiver.url}/hook` } },
    });
    const site = await createSite(t, {
      name: 'shop',
      type: 'HTTP',
      url: target.url,
      interval: 60,
      maxRetries: 0,
      alertChannelIds: [channel.ok().createAlertChannel.alertChannel!.id],
    });
    const siteId = decodeId(site.id, 'Site')!;
    const checkNow = async () =>
      (await editor.request<{ checkSiteNow: { site?: { status: string } } }>(CHECK_NOW, { id: site.id })).ok().checkSiteNow.site?.status;
    expect(await checkNow()).toBe('UP');
    await writer.flush();
    const roomAgain = await fillDisk(writeDb);
    // A row that needs a page of its own finds the disk full; everything queued behind it waits with it.
    writer.enqueue({ kind: 'log', message: 'x'.repeat(100_000), siteId: null, createdAt: clock.now() });
    await vi.waitFor(() => expect(writer.stats.failing).not.toBeNull(), { interval: 1 });

    target.reply({ status: 500, body: 'broken' });
    const downAlert = receiver.nextRequest();
    expect(await checkNow()).toBe('DOWN');
    expect((await downAlert).json()).toMatchObject({ event: 'down', site: { name: 'shop', status: 'DOWN' } });

    await roomAgain();
    clock.advance(FIRST_RETRY_MS);
    await writer.flush();

    expect(writer.stats).toMatchObject({ failing: null, failedWrites: 0 });
    expect(await db.stateChange.findMany({ where: { siteId }, select: { fromStatus: true, toStatus: true } })).toContainEqual({
      fromStatus: 'UP',
      toStatus: 'DOWN',
    });
    expect(await db.check.count({ where: { siteId, up: false } })).toBeGreaterThan(0);
    // The send's outcome is recorded once the receiver has answered, which may be after the flush.
    await vi.waitFor(async () =>
      expect(await db.alertHealth.findFirst({ select: { sendCount: true, failCount: true } })).toEqual({ sendCount: 1, failCount: 0 }),
    );
  });

  it('stops without waiting for the database: the writes it still cannot write are counted lost and logged', async ({ app: t, clock }) => {
    const { writer, writeDb } = t.app.deps;
    await fillDisk(writeDb);
    for (let i = 0; i < 100; i++) writer.enqueue({ kind: 'log', message: `line ${i} ${'x'.repeat(10_000)}`, siteId: null, createdAt: clock.now() });
    await vi.waitFor(() => expect(writer.stats.failing).not.toBeNull(), { interval: 1 });

    await t.stop();

    expect(writer.stats.failedWrites).toBeGreaterThan(0);
  });
});
