import { describe, expect, it } from 'vitest';
import type { Prisma } from '../../src/generated/prisma/client.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { createCertificate, type HttpTarget } from '../helpers/targets.ts';
import { engineHarness, httpTarget, received, type EngineHarness } from './harness.ts';

interface Watched {
  h: EngineHarness;
  web: HttpTarget;
  /** PagerDuty at `/v2/enqueue`, Opsgenie at `/v2/alerts`, the webhook "ops" at `/ops`. */
  receiver: Receiver;
  id: number;
  channels: { pagerduty: number; opsgenie: number; webhook: number };
}

const ROUTING_KEY = 'R0UT1NGKEY';
const GENIE_KEY = 'g3n1e-key';

/** A site checked against `web`, linked to a PagerDuty, an Opsgenie and a webhook channel that all post to one receiver. */
async function watchedSite(options: { web?: HttpTarget; now?: number; site?: Partial<Prisma.SiteUncheckedCreateInput> } = {}): Promise<Watched> {
  const web = options.web ?? (await httpTarget());
  const receiver = await startReceiver();
  const h = await engineHarness({
    start: false,
    now: options.now,
    env: { UPTOP_PAGERDUTY_URL: `${receiver.url}/v2/enqueue`, UPTOP_OPSGENIE_URL: `${receiver.url}/v2/alerts` },
  });
  const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60, ...options.site });
  const channels = {
    pagerduty: await h.createChannel('PAGERDUTY', 'pager', { routing_key: ROUTING_KEY }, [id]),
    opsgenie: await h.createChannel('OPSGENIE', 'genie', { api_key: GENIE_KEY }, [id]),
    webhook: await h.createWebhook(receiver, 'ops', [id]),
  };
  await h.engine.start();
  return { h, web, receiver, id, channels };
}

/** The site's first check finds it DOWN, and every channel is told. */
async function downAndTold(w: Watched): Promise<void> {
  w.web.reply({ status: 500 });
  await w.h.tick(0);
  await w.h.settle();
  expect(w.h.engine.getState(w.id)).toMatchObject({ status: 'DOWN', lastAlertAt: expect.any(Date) });
  expect(w.receiver.requests).toHaveLength(3);
  w.receiver.requests.length = 0;
}

/** Each request as method, path with its query, and JSON body. */
function sent(receiver: Receiver): [string, string, unknown][] {
  return receiver.requests.map((r) => {
    const query = new URLSearchParams(r.query).toString();
    return [r.method, query ? `${r.path}?${query}` : r.path, r.json()];
  });
}

function resolved(id: number, key = `uptop-site-${id}`): [string, string, unknown] {
  return ['POST', '/v2/enqueue', { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: key }];
}

function closed(key: string, note: string): [string, string, unknown] {
  return ['POST', `/v2/alerts/${key}/close?identifierType=alias`, { source: 'uptop', note }];
}

async function deleteSite(w: Watched): Promise<void> {
  await w.h.writer.submit((tx) => tx.site.delete({ where: { id: w.id } }));
  w.h.engine.siteRemoved(w.id);
  await w.h.settle();
}

describe('engine: incidents left open when uptop stops watching', () => {
  it('a site deleted while DOWN resolves its PagerDuty incident and closes its Opsgenie alert; the webhook hears nothing', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await deleteSite(w);
    const note = "Monitor 'web' was deleted: uptop no longer watches its outage";
    expect(sent(w.receiver)).toEqual(expect.arrayContaining([resolved(w.id), closed(`uptop-site-${w.id}`, note)]));
    expect(w.receiver.requests).toHaveLength(2);
    expect(received(w.receiver, 'ops')).toEqual([]);
    expect(w.h.engine.logs().map((l) => l.message)).toContain(`${note}, its incident is closed`);
  });

  it('a site paused while DOWN, then deleted, closes the incident its outage opened', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.updateSite(w.id, { paused: true });
    await w.h.engine.siteChanged(w.id);
    await w.h.settle();
    expect(w.receiver.requests).toEqual([]);
    await deleteSite(w);
    expect(sent(w.receiver)).toContainEqual(resolved(w.id));
    expect(w.receiver.requests).toHaveLength(2);
  });

  it('a site whose type changes while DOWN closes the outage it will never recover from', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.updateSite(w.id, { type: 'PUSH', pushToken: 'f'.repeat(32) });
    await w.h.engine.siteChanged(w.id);
    await w.h.settle();
    expect(w.h.engine.getState(w.id)).toMatchObject({ status: 'PENDING', lastAlertAt: null });
    const note = "Monitor 'web' changed type: uptop no longer watches its outage";
    expect(sent(w.receiver)).toEqual(expect.arrayContaining([resolved(w.id), closed(`uptop-site-${w.id}`, note)]));
    expect(w.receiver.requests).toHaveLength(2);
  });

  it('a PagerDuty channel unlinked from a DOWN site gets the resolve; the channels still linked get the recovery later', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.writer.submit((tx) => tx.siteAlertChannel.delete({ where: { siteId_alertChannelId: { siteId: w.id, alertChannelId: w.channels.pagerduty } } }));
    await w.h.updateSite(w.id, { updatedAt: new Date(w.h.clock.nowMs() + 1) });
    await w.h.engine.siteChanged(w.id);
    await w.h.settle();
    expect(sent(w.receiver)).toEqual([resolved(w.id)]);
    w.receiver.requests.length = 0;

    w.web.reply({ status: 200 });
    await w.h.tick(60_000);
    await w.h.settle();
    expect(sent(w.receiver).map(([, path]) => path)).toEqual(expect.arrayContaining([`/v2/alerts/uptop-site-${w.id}/close?identifierType=alias`, '/ops']));
    expect(w.receiver.requests).toHaveLength(2);
  });

  it('a PagerDuty channel deleted while its site is DOWN still gets the resolve, with the settings it had', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.writer.submit((tx) => tx.alertChannel.delete({ where: { id: w.channels.pagerduty } }));
    await w.h.engine.alertChannelsChanged();
    await w.h.settle();
    expect(sent(w.receiver)).toEqual([resolved(w.id)]);
  });

  it('an open SSL warning is closed when its site is deleted, and when its certificate is no longer checked', async () => {
    const tls = await httpTarget(await createCertificate(5));
    const w = await watchedSite({ web: tls, now: Date.now(), site: { url: tls.url, checkSsl: true, ignoreTls: true, expiryThreshold: 7 } });
    await w.h.tick(0);
    await w.h.settle();
    expect(w.h.engine.getState(w.id)).toMatchObject({ status: 'UP', sentSslWarning: true });
    w.receiver.requests.length = 0;

    await w.h.updateSite(w.id, { checkSsl: false });
    await w.h.engine.siteChanged(w.id);
    await w.h.settle();
    const note = "Monitor 'web' no longer checks its certificate: uptop no longer watches its certificate";
    expect(sent(w.receiver)).toEqual(expect.arrayContaining([resolved(w.id, `uptop-site-${w.id}-ssl`), closed(`uptop-site-${w.id}-ssl`, note)]));
    expect(w.receiver.requests).toHaveLength(2);
    expect(w.h.engine.getState(w.id)!.sentSslWarning).toBe(false);

    await w.h.updateSite(w.id, { checkSsl: true });
    await w.h.engine.siteChanged(w.id);
    await w.h.tick(60_000);
    await w.h.settle();
    expect(w.h.engine.getState(w.id)!.sentSslWarning).toBe(true);
    w.receiver.requests.length = 0;
    await deleteSite(w);
    expect(sent(w.receiver)).toEqual(
      expect.arrayContaining([
        resolved(w.id, `uptop-site-${w.id}-ssl`),
        closed(`uptop-site-${w.id}-ssl`, "Monitor 'web' was deleted: uptop no longer watches its certificate"),
      ]),
    );
    expect(w.receiver.requests).toHaveLength(2);
  });

  it('an open SSL warning is closed when the URL moves from https to http, not when only its path changes', async () => {
    const tls = await httpTarget(await createCertificate(5));
    const plain = await httpTarget();
    const w = await watchedSite({ web: tls, now: Date.now(), site: { url: tls.url, checkSsl: true, ignoreTls: true, expiryThreshold: 7 } });
    await w.h.tick(0);
    await w.h.settle();
    expect(w.h.engine.getState(w.id)).toMatchObject({ status: 'UP', sentSslWarning: true });
    w.receiver.requests.length = 0;

    await w.h.updateSite(w.id, { url: `${tls.url}health` });
    await w.h.engine.siteChanged(w.id);
    await w.h.settle();
    expect(w.receiver.requests).toEqual([]);
    expect(w.h.engine.getState(w.id)!.sentSslWarning).toBe(true);

    await w.h.updateSite(w.id, { url: plain.url });
    await w.h.engine.siteChanged(w.id);
    await w.h.settle();
    const note = "Monitor 'web' checks another address: uptop no longer watches its certificate";
    expect(sent(w.receiver)).toEqual(expect.arrayContaining([resolved(w.id, `uptop-site-${w.id}-ssl`), closed(`uptop-site-${w.id}-ssl`, note)]));
    expect(w.receiver.requests).toHaveLength(2);
    expect(w.h.engine.getState(w.id)).toMatchObject({ sentSslWarning: false, sslWarnedExpiry: null });
    const stored = await w.h.db.siteRuntimeState.findUniqueOrThrow({ where: { siteId: w.id } });
    expect(stored).toMatchObject({ sentSslWarning: false, sslWarnedExpiry: null });
  });

  it('a site deleted after its recovery was told sends nothing more', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    w.web.reply({ status: 200 });
    await w.h.tick(60_000);
    await w.h.settle();
    w.receiver.requests.length = 0;
    await deleteSite(w);
    expect(w.receiver.requests).toEqual([]);
  });
});
