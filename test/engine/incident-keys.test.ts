import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { toSqlDate } from '../../src/db/sql-date.ts';
import { olderDbFile } from '../helpers/db.ts';
import { incidentActions, incidentLedger, type ServiceIncident } from '../helpers/incident-services.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { createCertificate, type HttpTarget } from '../helpers/targets.ts';
import { engineHarness, httpTarget, T0, type EngineHarness } from './harness.ts';

const ROUTING_KEY = 'R0UT1NGKEY';
const GENIE_KEY = 'g3n1e-key';

interface Installation {
  h: EngineHarness;
  web: HttpTarget;
  id: number;
}

/** An installation of its own (its own database) with one site, whose PagerDuty and Opsgenie channels use the shared keys. */
async function installation(siteName: string, receiver: Receiver): Promise<Installation> {
  const web = await httpTarget();
  const h = await engineHarness({
    start: false,
    env: { UPTOP_PAGERDUTY_URL: `${receiver.url}/v2/enqueue`, UPTOP_OPSGENIE_URL: `${receiver.url}/v2/alerts` },
  });
  const id = await h.createSite({ name: siteName, type: 'HTTP', url: web.url, interval: 60 });
  await h.createChannel('PAGERDUTY', 'pager', { routing_key: ROUTING_KEY }, [id]);
  await h.createChannel('OPSGENIE', 'genie', { api_key: GENIE_KEY }, [id]);
  await h.engine.start();
  return { h, web, id };
}

/** The site's next check answers `status`, and what it tells is sent. */
async function checked(i: Installation, status: number, afterMs: number): Promise<void> {
  i.web.reply({ status });
  await i.h.tick(afterMs);
  await i.h.settle();
}

/** Each incident as its service and the monitor whose alert opened it. */
function whose(incidents: readonly ServiceIncident[]): string[] {
  return incidents.map((i) => `${i.service} ${/Monitor '([^']+)'/.exec(i.text)?.[1] ?? i.text}`).sort();
}

describe('engine: two installations that share a PagerDuty routing key and an Opsgenie API key', () => {
  it('page for each outage and close each incident with its own recovery, though their sites have the same id', async () => {
    const receiver = await startReceiver();
    const eu = await installation('web-eu', receiver);
    const us = await installation('web-us', receiver);
    expect(eu.id).toBe(us.id);

    await checked(eu, 500, 0);
    await checked(us, 500, 0);
    expect(whose(incidentLedger(receiver.requests).opened)).toEqual(['opsgenie web-eu', 'opsgenie web-us', 'pagerduty web-eu', 'pagerduty web-us']);

    await checked(eu, 200, 60_000);
    expect(whose(incidentLedger(receiver.requests).open)).toEqual(['opsgenie web-us', 'pagerduty web-us']);

    await checked(us, 200, 60_000);
    expect(incidentLedger(receiver.requests).open).toEqual([]);
  });
});

/** The first migration of the release that gave installations an id: the releases before it keyed incidents by site alone. */
const INSTALLATION_IDS = '20261130100000_legacy_incident_keys';
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * The engine of this release started on a database the release before left with `state` for its site "web" (id 1,
 * checking `url`), as that release's start would migrate it, with PagerDuty and Opsgenie channels at the receiver.
 */
async function upgraded(url: string, site: Record<string, unknown>, state: Record<string, unknown>, now: number) {
  const receiver = await startReceiver();
  const insert = (conn: Database.Database, table: string, row: Record<string, unknown>) => {
    const columns = Object.keys(row);
    conn.prepare(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(Object.values(row));
  };
  const t = olderDbFile(INSTALLATION_IDS, (conn) => {
    insert(conn, 'Site', { id: 1, name: 'web', type: 'HTTP', url, interval: 60, updatedAt: toSqlDate(new Date(now)), ...site });
    insert(conn, 'SiteRuntimeState', { siteId: 1, updatedAt: toSqlDate(new Date(now)), ...state });
  });
  migrate(t.target);
  const h = await engineHarness({
    database: t,
    start: false,
    now,
    env: { UPTOP_PAGERDUTY_URL: `${receiver.url}/v2/enqueue`, UPTOP_OPSGENIE_URL: `${receiver.url}/v2/alerts` },
  });
  await h.createChannel('PAGERDUTY', 'pager', { routing_key: ROUTING_KEY }, [1]);
  await h.createChannel('OPSGENIE', 'genie', { api_key: GENIE_KEY }, [1]);
  await h.engine.start();
  const actions = () => {
    const seen = incidentActions(receiver.requests);
    receiver.requests.length = 0;
    return seen;
  };
  return { h, actions };
}

describe('engine: incidents opened by the release before installation ids', () => {
  it("an outage open at the upgrade keeps its key, reminders and recovery included; the next outage takes the installation's", async () => {
    const web = await httpTarget();
    web.reply({ status: 500 });
    const downAt = toSqlDate(new Date(T0 - 10 * MINUTE_MS));
    const { h, actions } = await upgraded(
      web.url,
      { renotifyMinutes: 15 },
      { status: 'DOWN', failureCount: 1, statusChangedAt: downAt, lastAlertAt: downAt, lastError: 'HTTP 500 (expected 200-299)' },
      T0,
    );
    expect(h.engine.getState(1)).toMatchObject({ status: 'DOWN', legacyOutageKey: true, legacySslKey: false });
    const legacy = 'uptop-site-1';

    await h.tick(5 * MINUTE_MS);
    await h.settle();
    expect(actions().sort()).toEqual([`opsgenie create ${legacy}`, `pagerduty trigger ${legacy}`]);

    web.reply({ status: 200 });
    await h.tick(MINUTE_MS);
    await h.settle();
    expect(actions().sort()).toEqual([`opsgenie close ${legacy}`, `pagerduty resolve ${legacy}`]);
    expect(await h.db.siteRuntimeState.findUniqueOrThrow({ where: { siteId: 1 } })).toMatchObject({ lastAlertAt: null, legacyOutageKey: false });

    const key = h.incidentKey(1);
    web.reply({ status: 500 });
    await h.tick(MINUTE_MS);
    await h.settle();
    expect(actions().sort()).toEqual([`opsgenie create ${key}`, `pagerduty trigger ${key}`]);
    web.reply({ status: 200 });
    await h.tick(MINUTE_MS);
    await h.settle();
    expect(actions().sort()).toEqual([`opsgenie close ${key}`, `pagerduty resolve ${key}`]);
  });

  it("an SSL warning open at the upgrade is closed by the renewal under its key; the next warning takes the installation's", async () => {
    const now = Date.now();
    const warned = new Date(now + 3 * DAY_MS);
    const web = await httpTarget(await createCertificate(90));
    const { h, actions } = await upgraded(
      web.url,
      { checkSsl: 1, ignoreTls: 1, expiryThreshold: 7 },
      { status: 'UP', hasSsl: 1, certExpiresAt: toSqlDate(warned), sentSslWarning: 1, sslWarnedExpiry: toSqlDate(warned) },
      now,
    );
    expect(h.engine.getState(1)).toMatchObject({ legacyOutageKey: false, legacySslKey: true });
    const legacy = 'uptop-site-1-ssl';

    for (let i = 0; i < 3; i++) await h.tick(i === 0 ? 0 : MINUTE_MS);
    await h.settle();
    expect(actions().sort()).toEqual([`opsgenie close ${legacy}`, `pagerduty resolve ${legacy}`]);
    expect(h.engine.getState(1)).toMatchObject({ sentSslWarning: false, legacySslKey: false });

    web.rotateCertificate(await createCertificate(5));
    await h.tick(MINUTE_MS);
    await h.settle();
    const key = h.incidentKey(1, 'ssl');
    expect(actions().sort()).toEqual([`opsgenie create ${key}`, `pagerduty trigger ${key}`]);
  });
});
