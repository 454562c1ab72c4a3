import { describe, expect, it } from 'vitest';
import { startReceiver } from '../helpers/receiver.ts';
import { engineHarness, httpTarget, received, T0 } from './harness.ts';

describe('engine: an outage told before a maintenance window, inside which the site came back and failed again', () => {
  it('is one outage to its receivers: no second DOWN when the window ends, one recovery when it is over', async () => {
    const web = await httpTarget();
    web.reply({ status: 503 });
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60 });
    await h.createWebhook(receiver, 'ops', [id]);
    await h.writer.submit((tx) => tx.maintenanceWindow.create({ data: { title: 'upgrade', startsAt: new Date(T0 + 30_000), endsAt: new Date(T0 + 600_000) } }));
    await h.engine.start();
    await h.tick(0);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down']);

    await h.tick(30_000);
    web.reply({ status: 200 });
    await h.engine.checkNow(id);
    web.reply({ status: 503 });
    await h.engine.checkNow(id);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');

    await h.tick(600_000);
    await h.settle();
    expect(h.engine.isInMaintenance(id)).toBe(false);
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down']);

    web.reply({ status: 200 });
    await h.engine.checkNow(id);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down', 'up']);
  });
});
