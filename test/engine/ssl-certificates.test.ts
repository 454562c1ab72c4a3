import { describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { createCertificate, type HttpTarget, type TestCertificate } from '../helpers/targets.ts';
import { engineHarness, httpTarget, received, type EngineHarness } from './harness.ts';

const DAY_MS = 86_400_000;
const ROUTING_KEY = 'R0UT1NGKEY';

interface Watched {
  h: EngineHarness;
  web: HttpTarget;
  /** PagerDuty at `/v2/enqueue`, the webhook "ops" at `/ops`. */
  receiver: Receiver;
  id: number;
}

/**
 * A site "web" checking the certificate of `web` every minute (threshold 7 days), linked to a PagerDuty
 * and a webhook channel. The fake clock starts at the real time, as the certificates' dates are real.
 */
async function watchedCertificate(web: HttpTarget): Promise<Watched> {
  const receiver = await startReceiver();
  const h = await engineHarness({ start: false, now: Date.now(), env: { UPTOP_PAGERDUTY_URL: `${receiver.url}/v2/enqueue` } });
  const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60, checkSsl: true, ignoreTls: true, expiryThreshold: 7 });
  await h.createChannel('PAGERDUTY', 'pager', { routing_key: ROUTING_KEY }, [id]);
  await h.createWebhook(receiver, 'ops', [id]);
  await h.engine.start();
  return { h, web, receiver, id };
}

/** Runs the site's next `n` checks, a minute apart (the first at once when the engine has just started). */
async function checks(w: Watched, n: number): Promise<void> {
  const before = w.web.connections;
  for (let i = 0; i < n; i++) await w.h.tick(i === 0 && w.h.engine.getState(w.id)!.lastCheckAt === null ? 0 : 60_000);
  await w.h.settle();
  expect(w.web.connections - before).toBe(n);
}

/** What PagerDuty was sent, in order, as action, dedup key and summary. */
function pagerduty(receiver: Receiver): [string, string, string | undefined][] {
  return receiver.requests
    .filter((r) => r.path === '/v2/enqueue')
    .map((r) => {
      const body = r.json() as { event_action: string; dedup_key: string; payload?: { summary: string } };
      return [body.event_action, body.dedup_key, body.payload?.summary];
    });
}

/** What the webhook was sent, in order, as event and message. */
function webhook(receiver: Receiver): [string, string][] {
  return received(receiver, 'ops').map((a) => [a.event, a.message]);
}

/** Whole days the certificate has left at the fake clock's time, as the warning counts them. */
function daysLeft(h: EngineHarness, certificate: TestCertificate): number {
  return Math.floor((certificate.notAfter.getTime() - h.clock.nowMs()) / DAY_MS);
}

describe('engine: SSL warnings follow the certificate they warned about', () => {
  it('a load balancer serving an expiring and a renewed certificate in turn warns once, and renews once only the new one is served', async () => {
    const old = await createCertificate(5.5);
    const renewed = await createCertificate(60.5);
    const web = await httpTarget(old);
    web.serveInTurn([old, renewed]);
    const w = await watchedCertificate(web);
    const key = w.h.incidentKey(w.id, 'ssl');
    const warning = `SSL for 'web' expires in ${daysLeft(w.h, old)} days`;

    await checks(w, 9);
    expect(pagerduty(w.receiver)).toEqual([['trigger', key, `SSL WARNING: ${warning}`]]);
    expect(webhook(w.receiver)).toEqual([['ssl_expiring', warning]]);
    expect(w.h.engine.getState(w.id)).toMatchObject({ sentSslWarning: true, sslWarnedExpiry: old.notAfter });

    web.rotateCertificate(renewed);
    await checks(w, 2);
    expect(pagerduty(w.receiver)).toHaveLength(1);
    await checks(w, 1);
    expect(pagerduty(w.receiver)).toEqual([
      ['trigger', key, `SSL WARNING: ${warning}`],
      ['resolve', key, undefined],
    ]);

    // A backend the rollout missed still serves the old certificate: it was warned about already.
    web.serveInTurn([old, renewed]);
    await checks(w, 6);
    expect(pagerduty(w.receiver)).toHaveLength(2);
    expect(webhook(w.receiver)).toEqual([['ssl_expiring', warning]]);
    expect(w.h.engine.getState(w.id)).toMatchObject({ sentSslWarning: false, sslRenewalChecks: 0 });
  });

  it('short-lived certificates, each within the threshold: every renewal is told as a warning about the new one, the incident stays open', async () => {
    // Six-day certificates renewed with two days left, as ACME clients renew after two thirds of a certificate's life.
    const first = await createCertificate(2.5);
    const web = await httpTarget(first);
    const w = await watchedCertificate(web);
    const key = w.h.incidentKey(w.id, 'ssl');
    const warnings = [`SSL for 'web' expires in ${daysLeft(w.h, first)} days`];
    await checks(w, 2);
    expect(webhook(w.receiver)).toEqual([['ssl_expiring', warnings[0]]]);

    for (const renewal of [6.5, 6.6]) {
      const next = await createCertificate(renewal);
      web.rotateCertificate(next);
      await checks(w, 2);
      expect(webhook(w.receiver)).toHaveLength(warnings.length);
      await checks(w, 1);
      warnings.push(`SSL for 'web' renewed, but the new certificate expires in ${daysLeft(w.h, next)} days`);
      expect(webhook(w.receiver).map(([, message]) => message)).toEqual(warnings);
      expect(w.h.engine.getState(w.id)).toMatchObject({ sentSslWarning: true, sslWarnedExpiry: next.notAfter });
    }
    await checks(w, 3);
    expect(webhook(w.receiver)).toEqual(warnings.map((message) => ['ssl_expiring', message]));
    expect(pagerduty(w.receiver)).toEqual(warnings.map((message) => ['trigger', key, `SSL WARNING: ${message}`]));

    // A certificate beyond the threshold at last: the incident is resolved, and the webhook hears nothing of it.
    web.rotateCertificate(await createCertificate(90));
    await checks(w, 3);
    expect(pagerduty(w.receiver).at(-1)).toEqual(['resolve', key, undefined]);
    expect(w.receiver.requests).toHaveLength(2 * warnings.length + 1);
  });

  it('a restart keeps the warned certificate and the renewal count: no second warning, one resolve', async () => {
    const old = await createCertificate(5.5);
    const renewed = await createCertificate(60.5);
    const web = await httpTarget(old);
    const w = await watchedCertificate(web);
    const key = w.h.incidentKey(w.id, 'ssl');
    await checks(w, 1);
    expect(pagerduty(w.receiver).map(([action]) => action)).toEqual(['trigger']);

    web.rotateCertificate(renewed);
    await checks(w, 2);
    expect(pagerduty(w.receiver)).toHaveLength(1);
    await w.h.restart();
    expect(w.h.engine.getState(w.id)).toMatchObject({ sentSslWarning: true, sslWarnedExpiry: old.notAfter, sslRenewalChecks: 2 });
    await checks(w, 1);
    expect(pagerduty(w.receiver).map(([action, k]) => [action, k])).toEqual([
      ['trigger', key],
      ['resolve', key],
    ]);

    await w.h.restart();
    web.rotateCertificate(old);
    await checks(w, 3);
    expect(pagerduty(w.receiver)).toHaveLength(2);
    expect(webhook(w.receiver).map(([event]) => event)).toEqual(['ssl_expiring']);
  });
});
