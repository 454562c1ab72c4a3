import { describe, expect, it } from 'vitest';
import type { Prisma } from '../../src/generated/prisma/client.ts';
import { removeSites } from '../../src/writer/remove-sites.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { createCertificate, type HttpTarget } from '../helpers/targets.ts';
import { engineHarness, httpTarget, received, type EngineHarness } from './harness.ts';

interface Watched {
  h: EngineHarness;
  web: HttpTarget;
  /** PagerDuty at `/v2/enqueue`, Opsgenie at `/v2/alerts` (its EU region at `/eu/v2/alerts`), the webhook "ops" at `/ops`. */
  receiver: Receiver;
  id: number;
  channels: { pagerduty: number; opsgenie: number; webhook: number };
}

const ROUTING_KEY = 'R0UT1NGKEY';
const NEW_ROUTING_KEY = 'N3WR0UT1NG';
const GENIE_KEY = 'g3n1e-key';
const NEW_GENIE_KEY = 'n3w-g3n1e';

/** A site checked against `web`, linked to a PagerDuty, an Opsgenie and a webhook channel that all post to one receiver. */
async function watchedSite(options: { web?: HttpTarget; now?: number; site?: Partial<Prisma.SiteUncheckedCreateInput> } = {}): Promise<Watched> {
  const web = options.web ?? (await httpTarget());
  const receiver = await startReceiver();
  const h = await engineHarness({
    start: false,
    now: options.now,
    env: {
      UPTOP_PAGERDUTY_URL: `${receiver.url}/v2/enqueue`,
      UPTOP_OPSGENIE_URL: `${receiver.url}/v2/alerts`,
      UPTOP_OPSGENIE_EU_URL: `${receiver.url}/eu/v2/alerts`,
    },
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

function resolved(key: string): [string, string, unknown] {
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
    expect(sent(w.receiver)).toEqual(expect.arrayContaining([resolved(w.h.incidentKey(w.id)), closed(w.h.incidentKey(w.id), note)]));
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
    expect(sent(w.receiver)).toContainEqual(resolved(w.h.incidentKey(w.id)));
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
    expect(sent(w.receiver)).toEqual(expect.arrayContaining([resolved(w.h.incidentKey(w.id)), closed(w.h.incidentKey(w.id), note)]));
    expect(w.receiver.requests).toHaveLength(2);
  });

  it('a PagerDuty channel unlinked from a DOWN site gets the resolve; the channels still linked get the recovery later', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.writer.submit((tx) => tx.siteAlertChannel.delete({ where: { siteId_alertChannelId: { siteId: w.id, alertChannelId: w.channels.pagerduty } } }));
    await w.h.updateSite(w.id, { updatedAt: new Date(w.h.clock.nowMs() + 1) });
    await w.h.engine.siteChanged(w.id);
    await w.h.settle();
    expect(sent(w.receiver)).toEqual([resolved(w.h.incidentKey(w.id))]);
    w.receiver.requests.length = 0;

    w.web.reply({ status: 200 });
    await w.h.tick(60_000);
    await w.h.settle();
    expect(sent(w.receiver).map(([, path]) => path)).toEqual(
      expect.arrayContaining([`/v2/alerts/${w.h.incidentKey(w.id)}/close?identifierType=alias`, '/ops']),
    );
    expect(w.receiver.requests).toHaveLength(2);
  });

  it('a PagerDuty channel deleted while its site is DOWN still gets the resolve, with the settings it had', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.writer.submit((tx) => tx.alertChannel.delete({ where: { id: w.channels.pagerduty } }));
    await w.h.engine.alertChannelsChanged();
    await w.h.settle();
    expect(sent(w.receiver)).toEqual([resolved(w.h.incidentKey(w.id))]);
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
    expect(sent(w.receiver)).toEqual(expect.arrayContaining([resolved(w.h.incidentKey(w.id, 'ssl')), closed(w.h.incidentKey(w.id, 'ssl'), note)]));
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
        resolved(w.h.incidentKey(w.id, 'ssl')),
        closed(w.h.incidentKey(w.id, 'ssl'), "Monitor 'web' was deleted: uptop no longer watches its certificate"),
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
    expect(sent(w.receiver)).toEqual(expect.arrayContaining([resolved(w.h.incidentKey(w.id, 'ssl')), closed(w.h.incidentKey(w.id, 'ssl'), note)]));
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

const DOWN_REASON = 'HTTP 500 (expected 200-299)';

function triggered(key: string, routingKey: string, summary: string): [string, string, unknown] {
  return [
    'POST',
    '/v2/enqueue',
    { routing_key: routingKey, event_action: 'trigger', dedup_key: key, payload: { summary, source: 'uptop', severity: 'critical' } },
  ];
}

/** The Opsgenie key each request to `path` (with its query) carried. */
function genieKeys(receiver: Receiver, path: string): unknown[] {
  return receiver.requests.filter((r) => r.path === path.split('?')[0]).map((r) => r.headers.authorization);
}

async function recovers(w: Watched): Promise<void> {
  w.receiver.requests.length = 0;
  w.web.reply({ status: 200 });
  await w.h.tick(60_000);
  await w.h.settle();
}

describe('engine: an incident moves with the channel that opened it', () => {
  it('a PagerDuty routing key changed while DOWN resolves the incident at the old key and opens it at the new; the recovery resolves that one', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.updateChannel(w.channels.pagerduty, 'PAGERDUTY', { routing_key: NEW_ROUTING_KEY });
    await w.h.engine.alertChannelsChanged();
    await w.h.settle();
    const moved = `Monitor 'web' is DOWN: ${DOWN_REASON} (its incident moved with alert channel 'pager')`;
    expect(sent(w.receiver)).toEqual([resolved(w.h.incidentKey(w.id)), triggered(w.h.incidentKey(w.id), NEW_ROUTING_KEY, `🚨 ALERT: ${moved}`)]);
    expect(w.h.engine.logs().map((l) => l.message)).toContain(`${moved}: closed where it was, opened where the channel now points`);

    await recovers(w);
    expect(sent(w.receiver).filter(([, path]) => path === '/v2/enqueue')).toEqual([
      ['POST', '/v2/enqueue', { routing_key: NEW_ROUTING_KEY, event_action: 'resolve', dedup_key: w.h.incidentKey(w.id) }],
    ]);
  });

  it('an Opsgenie channel moved to another key and region while DOWN closes the alert with the old key in the old region and opens it in the new', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.updateChannel(w.channels.opsgenie, 'OPSGENIE', { api_key: NEW_GENIE_KEY, eu: 'true' });
    await w.h.engine.alertChannelsChanged();
    await w.h.settle();
    const alias = w.h.incidentKey(w.id);
    const moved = `Monitor 'web' is DOWN: ${DOWN_REASON} (its incident moved with alert channel 'genie')`;
    expect(sent(w.receiver)).toEqual([
      closed(alias, moved),
      ['POST', '/eu/v2/alerts', { message: '🚨 ALERT', alias, description: moved, source: 'uptop', priority: 'P3' }],
    ]);
    expect(genieKeys(w.receiver, `/v2/alerts/${alias}/close`)).toEqual([`GenieKey ${GENIE_KEY}`]);
    expect(genieKeys(w.receiver, '/eu/v2/alerts')).toEqual([`GenieKey ${NEW_GENIE_KEY}`]);

    await recovers(w);
    expect(sent(w.receiver).filter(([, path]) => path.includes('alerts'))).toEqual([
      ['POST', `/eu/v2/alerts/${alias}/close?identifierType=alias`, { source: 'uptop', note: expect.stringContaining("Monitor 'web' is UP") }],
    ]);
    expect(genieKeys(w.receiver, `/eu/v2/alerts/${alias}/close`)).toEqual([`GenieKey ${NEW_GENIE_KEY}`]);
  });

  it('a PagerDuty channel turned into a webhook while DOWN resolves its incident; the webhook hears the recovery', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.updateChannel(w.channels.pagerduty, 'WEBHOOK', { url: `${w.receiver.url}/was-pager` });
    await w.h.engine.alertChannelsChanged();
    await w.h.settle();
    expect(sent(w.receiver)).toEqual([resolved(w.h.incidentKey(w.id))]);
    await recovers(w);
    expect(received(w.receiver, 'was-pager').map((a) => a.event)).toEqual(['up']);
  });

  it('an edit that keeps where the incident lives (severity, the same key in other spaces) sends nothing', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.updateChannel(w.channels.pagerduty, 'PAGERDUTY', { routing_key: ROUTING_KEY, severity: 'warning' });
    await w.h.updateChannel(w.channels.opsgenie, 'OPSGENIE', { api_key: GENIE_KEY, eu: 'false' });
    await w.h.engine.alertChannelsChanged();
    await w.h.settle();
    expect(w.receiver.requests).toEqual([]);
  });

  it('an open SSL warning moves too, and an outage already closed does not reopen', async () => {
    const tls = await httpTarget(await createCertificate(5));
    const w = await watchedSite({ web: tls, now: Date.now(), site: { url: tls.url, checkSsl: true, ignoreTls: true, expiryThreshold: 7 } });
    await w.h.tick(0);
    await w.h.settle();
    expect(w.h.engine.getState(w.id)).toMatchObject({ status: 'UP', sentSslWarning: true, lastAlertAt: null });
    w.receiver.requests.length = 0;
    await w.h.updateChannel(w.channels.pagerduty, 'PAGERDUTY', { routing_key: NEW_ROUTING_KEY });
    await w.h.engine.alertChannelsChanged();
    await w.h.settle();
    expect(sent(w.receiver)).toEqual([
      resolved(w.h.incidentKey(w.id, 'ssl')),
      [
        'POST',
        '/v2/enqueue',
        {
          routing_key: NEW_ROUTING_KEY,
          event_action: 'trigger',
          dedup_key: w.h.incidentKey(w.id, 'ssl'),
          payload: {
            summary: "SSL WARNING: SSL for 'web' expires in 4 days (its warning moved with alert channel 'pager')",
            source: 'uptop',
            severity: 'critical',
          },
        },
      ],
    ]);
  });
});

describe('engine: incidents of the sites a reload replaces', () => {
  /** What a backup import does to the site's rows: removed with their history, a site of the backup under its id. */
  async function replaceSite(w: Watched): Promise<void> {
    await w.h.writer.submit(async (tx) => {
      await removeSites(tx, [w.id]);
      await tx.site.create({
        data: { id: w.id, name: 'web', type: 'HTTP', url: w.web.url, interval: 60, alertChannels: { create: [{ alertChannelId: w.channels.pagerduty }] } },
      });
    });
  }

  it('an import that replaces a DOWN site closes its incidents; the new site alerts afresh', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.engine.reload(() => replaceSite(w));
    await w.h.settle();
    const note = "Monitor 'web' was replaced: uptop no longer watches its outage";
    expect(sent(w.receiver)).toEqual(expect.arrayContaining([resolved(w.h.incidentKey(w.id)), closed(w.h.incidentKey(w.id), note)]));
    expect(w.receiver.requests).toHaveLength(2);
    expect(w.h.engine.getState(w.id)).toMatchObject({ status: 'PENDING', lastAlertAt: null });
  });

  it('an import that drops a DOWN site closes its incidents', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.engine.reload(() => w.h.writer.submit((tx) => removeSites(tx, [w.id])));
    await w.h.settle();
    const note = "Monitor 'web' was removed: uptop no longer watches its outage";
    expect(sent(w.receiver)).toEqual(expect.arrayContaining([resolved(w.h.incidentKey(w.id)), closed(w.h.incidentKey(w.id), note)]));
    expect(w.receiver.requests).toHaveLength(2);
  });

  it('an import run by another process (a reload without a change of its own) closes the incidents of the sites it replaced', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await replaceSite(w);
    await w.h.engine.reload();
    await w.h.settle();
    expect(sent(w.receiver)).toEqual(expect.arrayContaining([resolved(w.h.incidentKey(w.id))]));
    expect(w.receiver.requests).toHaveLength(2);
  });

  it('a reload that finds the DOWN site as it was keeps its incident open, and its recovery closes it', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.engine.reload();
    await w.h.settle();
    expect(w.receiver.requests).toEqual([]);
    await recovers(w);
    expect(sent(w.receiver)).toContainEqual(resolved(w.h.incidentKey(w.id)));
  });

  it('a restart while DOWN neither reopens nor forgets the incident: the recovery after it resolves it', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.restart();
    await w.h.tick(0);
    await w.h.settle();
    expect(w.h.engine.getState(w.id)).toMatchObject({ status: 'DOWN', lastAlertAt: expect.any(Date) });
    expect(w.receiver.requests).toEqual([]);
    await recovers(w);
    expect(sent(w.receiver)).toEqual(
      expect.arrayContaining([resolved(w.h.incidentKey(w.id)), closed(w.h.incidentKey(w.id), expect.stringContaining("Monitor 'web' is UP"))]),
    );
    expect(w.receiver.requests).toHaveLength(3);
  });
});

describe('engine: a DOWN site moved out of its group', () => {
  it("resolves the group's incident, which the group's own recovery tells", async () => {
    const web = await httpTarget();
    web.reply({ status: 500 });
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false, env: { UPTOP_PAGERDUTY_URL: `${receiver.url}/v2/enqueue` } });
    const group = await h.createSite({ name: 'shop', type: 'GROUP', interval: 60 });
    const api = await h.createSite({ name: 'api', type: 'HTTP', url: web.url, interval: 60, parentId: group });
    await h.createChannel('PAGERDUTY', 'pager', { routing_key: ROUTING_KEY }, [group]);
    await h.engine.start();
    await h.tick(0);
    await h.settle();
    expect(sent(receiver).map(([, , body]) => (body as { event_action: string }).event_action)).toEqual(['trigger']);
    receiver.requests.length = 0;

    await h.updateSite(api, { parentId: null });
    await h.engine.siteChanged(api);
    await h.settle();
    expect(h.engine.getState(group)!.status).not.toBe('DOWN');
    expect(sent(receiver)).toEqual([resolved(h.incidentKey(group))]);
  });
});

describe('engine: a site handed to another instance while DOWN', () => {
  it('keeps its incident open through the handover; the new owner resolves it when the site recovers', async () => {
    const web = await httpTarget();
    web.reply({ status: 500 });
    const receiver = await startReceiver();
    const owners = { a: new Set<number>(), b: new Set<number>() };
    const h = await engineHarness({
      start: false,
      env: { UPTOP_PAGERDUTY_URL: `${receiver.url}/v2/enqueue` },
      ownership: { owns: (id) => owners.a.has(id) },
    });
    const b = h.peer({ ownership: { owns: (id) => owners.b.has(id) } });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60 });
    await h.createChannel('PAGERDUTY', 'pager', { routing_key: ROUTING_KEY }, [id]);
    owners.a.add(id);
    await h.engine.start();
    await b.start();
    await h.tick(0);
    await h.settle();
    expect(sent(receiver).map(([, , body]) => (body as { event_action: string }).event_action)).toEqual(['trigger']);
    receiver.requests.length = 0;

    owners.a.delete(id);
    await h.engine.ownershipChanged((siteId) => siteId === id);
    await h.writer.flush();
    owners.b.add(id);
    await b.ownershipChanged(() => false);
    expect(b.getState(id)).toMatchObject({ status: 'DOWN', lastAlertAt: expect.any(Date) });

    web.reply({ status: 200 });
    await h.clock.advanceAsync(60_000);
    await Promise.all([h.engine.whenIdle(), b.whenIdle()]);
    await h.settle();
    expect(b.getState(id)!.status).toBe('UP');
    expect(sent(receiver)).toEqual([resolved(h.incidentKey(id))]);
  });
});

describe('engine: an incident moved by another process (the uptop command, another instance)', () => {
  it('a routing key changed in the database while DOWN moves the incident at the next reconcile', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.updateChannel(w.channels.pagerduty, 'PAGERDUTY', { routing_key: NEW_ROUTING_KEY });
    await w.h.engine.reconcileNow();
    await w.h.settle();
    const moved = `Monitor 'web' is DOWN: ${DOWN_REASON} (its incident moved with alert channel 'pager')`;
    expect(sent(w.receiver)).toEqual([resolved(w.h.incidentKey(w.id)), triggered(w.h.incidentKey(w.id), NEW_ROUTING_KEY, `🚨 ALERT: ${moved}`)]);
  });

  it('a routing key changed and the channel unlinked in one change closes the incident where it was, and opens none', async () => {
    const w = await watchedSite();
    await downAndTold(w);
    await w.h.updateChannel(w.channels.pagerduty, 'PAGERDUTY', { routing_key: NEW_ROUTING_KEY });
    await w.h.writer.submit((tx) => tx.siteAlertChannel.delete({ where: { siteId_alertChannelId: { siteId: w.id, alertChannelId: w.channels.pagerduty } } }));
    await w.h.updateSite(w.id, { updatedAt: new Date(w.h.clock.nowMs() + 1) });
    await w.h.engine.reconcileNow();
    await w.h.settle();
    expect(sent(w.receiver)).toEqual([resolved(w.h.incidentKey(w.id))]);
  });
});
