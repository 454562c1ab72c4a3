import { describe, expect, it } from 'vitest';
import { startReceiver } from '../helpers/receiver.ts';
import { engineHarness, httpTarget, received, type EngineHarness } from './harness.ts';

async function edit(h: EngineHarness, id: number, data: Parameters<EngineHarness['updateSite']>[1]): Promise<void> {
  await h.updateSite(id, data);
  await h.engine.siteChanged(id);
}

describe('engine: a group that stops being DOWN other than to UP', () => {
  it('tells the recovery of its outage once, when no child it counts is down any more, and its history says so', async () => {
    const broken = await httpTarget();
    broken.reply({ status: 503 });
    const fresh = await httpTarget();
    fresh.reply({ status: 503 });
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const group = await h.createSite({ name: 'shop', type: 'GROUP', interval: 60 });
    const api = await h.createSite({ name: 'api', type: 'HTTP', url: broken.url, interval: 60, parentId: group });
    await h.createWebhook(receiver, 'team', [group]);
    await h.engine.start();
    await h.tick(0);
    await h.settle();
    expect(h.engine.getState(group)!.status).toBe('DOWN');

    // A new child, PENDING through its retries; the down one is paused: no child counted is down.
    const db = await h.createSite({ name: 'db', type: 'HTTP', url: fresh.url, interval: 60, maxRetries: 2, parentId: group });
    await h.engine.siteChanged(db);
    await h.tick(0);
    await edit(h, api, { paused: true });
    await h.settle();
    expect(h.engine.getState(group)!.status).toBe('PENDING');

    fresh.reply({ status: 200 });
    await h.tick(60_000);
    await h.settle();
    expect(h.engine.getState(group)!.status).toBe('UP');
    expect(received(receiver, 'team').map((a) => a.event)).toEqual(['down', 'up']);
    const changes = await h.db.stateChange.findMany({ where: { siteId: group }, orderBy: { id: 'asc' } });
    expect(changes.map((c) => `${c.fromStatus}>${c.toStatus}`)).toEqual(['DOWN>PENDING', 'PENDING>UP']);
  });
});
