import pino from 'pino';
import { afterEach } from 'vitest';
import { createApp } from '../../src/app.ts';
import { FakeClock } from '../../src/clock.ts';
import { parseGlobalId } from '../helpers/ids.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { createSite } from '../helpers/sites.ts';
import { closedPort, createCertificate, startHttpsTarget, type HttpTarget } from '../helpers/targets.ts';
import { collectSse, collectWs, wsClient } from '../helpers/clients.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { recordTurns } from '../helpers/turns.ts';
import { SITES_PER_STEP } from '../../src/metrics/monitor-metrics.ts';
import { expectPromtoolClean, samples, scrape, siteValue } from './scrape.ts';

const CHECK_NOW = /* GraphQL */ `
  mutation MetricsCheckNow($input: IdInput!) {
    checkSiteNow(input: $input) {
      __typename
      ... on Error { message }
    }
  }
`;
const UPDATE_SITE = /* GraphQL */ `
  mutation MetricsRename($input: UpdateSiteInput!) {
    updateSite(input: $input) {
      __typename
      ... on Error { message }
    }
  }
`;
const DELETE_SITE = /* GraphQL */ `
  mutation MetricsDelete($input: DeleteInput!) {
    deleteSite(input: $input) {
      __typename
      ... on Error { message }
    }
  }
`;
const MAINTENANCE = /* GraphQL */ `
  mutation MetricsMaintenance($input: CreateMaintenanceWindowInput!) {
    createMaintenanceWindow(input: $input) {
      __typename
      ... on Error { message }
    }
  }
`;

const targets: HttpTarget[] = [];
afterEach(async () => {
  await Promise.all(targets.splice(0).map((target) => target.close()));
});

const numericId = (globalId: string) => Number(parseGlobalId(globalId).id);

async function beat(t: TestApp, token: string): Promise<void> {
  const res = await fetch(`${t.url}/api/push`, { headers: { authorization: `Bearer ${token}` } });
  expect(await res.text()).toBe('OK');
}

async function mutate(t: TestApp, document: string, input: Record<string, unknown>, expected: string): Promise<void> {
  const res = await t.request<Record<string, { __typename: string; message?: string }>>(document, { input }, t.users.admin.token);
  expect(Object.values(res.data ?? {})[0]?.__typename, JSON.stringify(res.errors ?? res.data)).toBe(expected);
}

describe('GET /metrics', () => {
  it('serves every per-monitor series of the Go original with its exact values, sites in id order', async ({ app: t, viewer }) => {
    const certificate = await createCertificate(30);
    const target = await startHttpsTarget(certificate);
    targets.push(target);
    const web = await createSite(t, { name: 'web "front"', type: 'HTTP', url: target.url, ignoreTls: true, checkSsl: true });
    const cron = await createSite(t, { name: 'nightly cron', type: 'PUSH', interval: 300 });
    const idle = await createSite(t, { name: 'idle', type: 'HTTP', url: target.url, paused: true });
    const [webId, cronId, idleId] = [web.id, cron.id, idle.id].map(numericId) as [number, number, number];

    await mutate(t, CHECK_NOW, { id: web.id }, 'SitePayload');
    await beat(t, cron.pushToken!);
    await beat(t, cron.pushToken!);
    await mutate(t, MAINTENANCE, { title: 'db upgrade', siteId: cron.id }, 'MaintenanceWindowPayload');
    // A new site is checked at once as well: let that check finish, and its row reach the database.
    await t.app.deps.engine.whenIdle();
    await t.app.deps.writer.flush();

    const s = await scrape(t.url, { token: viewer.token });
    expect(s.status).toBe(200);
    expect(s.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    await expectPromtoolClean(s.text);

    const ids = [webId, cronId, idleId].sort((a, b) => a - b).map(String);
    expect(samples(s, 'uptop_monitor_up').map((row) => row.labels)).toEqual(
      ids.map((id) => ({
        id,
        name: { [webId]: 'web "front"', [cronId]: 'nightly cron', [idleId]: 'idle' }[id],
        type: Number(id) === cronId ? 'push' : 'http',
      })),
    );
    const engine = t.app.deps.engine;
    const webState = engine.getState(webId)!;
    const cronState = engine.getState(cronId)!;
    expect(webState.status).toBe('UP');

    expect(siteValue(s, 'uptop_monitor_up', webId)).toBe(1);
    expect(siteValue(s, 'uptop_monitor_up', cronId)).toBe(1);
    expect(siteValue(s, 'uptop_monitor_up', idleId)).toBe(0);
    expect(siteValue(s, 'uptop_monitor_latency_seconds', webId)).toBeCloseTo(webState.latencyMs! / 1000, 9);
    expect(siteValue(s, 'uptop_monitor_latency_seconds', cronId)).toBe(0);
    // HTTP monitors only, 0 before the first check.
    expect(samples(s, 'uptop_monitor_status_code').map((row) => [Number(row.labels.id), row.value])).toEqual(
      [
        [webId, 200],
        [idleId, 0],
      ].sort((a, b) => a[0]! - b[0]!),
    );
    // Absent for a site never checked.
    expect(samples(s, 'uptop_monitor_check_timestamp_seconds').map((row) => [Number(row.labels.id), row.value])).toEqual([
      [webId, webState.lastCheckAt!.getTime() / 1000],
      [cronId, cronState.lastCheckAt!.getTime() / 1000],
    ]);
    expect(siteValue(s, 'uptop_monitor_paused', idleId)).toBe(1);
    expect(siteValue(s, 'uptop_monitor_paused', webId)).toBe(0);
    expect(siteValue(s, 'uptop_monitor_maintenance', cronId)).toBe(1);
    expect(siteValue(s, 'uptop_monitor_maintenance', webId)).toBe(0);
    // Only where a certificate was seen.
    expect(samples(s, 'uptop_monitor_cert_expiry_timestamp_seconds').map((row) => [Number(row.labels.id), row.value])).toEqual([
      [webId, certificate.notAfter.getTime() / 1000],
    ]);
    expect(s.families.get('uptop_monitor_checks_total')?.type).toBe('COUNTER');
    // This process recorded every check row there is, each counted once.
    const webChecks = await t.app.deps.db.check.count({ where: { siteId: webId } });
    expect(webChecks).toBeGreaterThanOrEqual(2);
    expect(siteValue(s, 'uptop_monitor_checks_total', webId)).toBe(webChecks);
    expect(siteValue(s, 'uptop_monitor_checks_up_total', webId)).toBe(webChecks);
    expect(siteValue(s, 'uptop_monitor_checks_total', cronId)).toBe(2);
    expect(siteValue(s, 'uptop_monitor_checks_total', idleId)).toBe(0);
    expect(siteValue(s, 'uptop_monitor_checks_up_total', cronId)).toBe(2);
  });
});

describe('GET /metrics counters', () => {
  it('keep counting across a rename under the new name, and a deleted site takes its series with it', async ({ app: t, viewer }) => {
    const kept = await createSite(t, { name: 'before', type: 'PUSH', interval: 300 });
    const gone = await createSite(t, { name: 'doomed', type: 'PUSH', interval: 300 });
    const [keptId, goneId] = [numericId(kept.id), numericId(gone.id)];
    await beat(t, kept.pushToken!);
    await beat(t, kept.pushToken!);
    await beat(t, gone.pushToken!);
    const first = await scrape(t.url, { token: viewer.token });
    expect(siteValue(first, 'uptop_monitor_checks_total', keptId)).toBe(2);

    await mutate(t, UPDATE_SITE, { id: kept.id, name: 'after', interval: 600 }, 'SitePayload');
    await beat(t, kept.pushToken!);
    await mutate(t, DELETE_SITE, { id: gone.id }, 'DeletePayload');

    const second = await scrape(t.url, { token: viewer.token });
    const series = samples(second, 'uptop_monitor_checks_total');
    expect(series).toEqual([{ labels: { id: String(keptId), name: 'after', type: 'push' }, value: 3 }]);
    expect(samples(second, 'uptop_monitor_checks_up_total')).toEqual([{ labels: { id: String(keptId), name: 'after', type: 'push' }, value: 3 }]);
    for (const family of second.families.values()) {
      for (const metric of family.metrics) expect(metric.labels?.id, family.name).not.toBe(String(goneId));
    }
  });

  it('start from zero in a new process on the same database, whatever check rows it holds', async ({ app: t, clock, viewer }) => {
    const site = await createSite(t, { name: 'cron', type: 'PUSH', interval: 300 });
    await beat(t, site.pushToken!);
    await beat(t, site.pushToken!);
    await t.stop();

    const again = await createApp(t.config, { clock, logger: pino({ level: 'silent' }) });
    try {
      const { port } = await again.start();
      const url = `http://127.0.0.1:${port}`;
      const id = numericId(site.id);
      expect(await again.deps.db.check.count({ where: { siteId: id } })).toBe(2);
      const s = await scrape(url, { token: viewer.token });
      expect(siteValue(s, 'uptop_monitor_checks_total', id)).toBe(0);
      expect(siteValue(s, 'uptop_monitor_up', id)).toBe(1);
      await beat({ url } as TestApp, site.pushToken!);
      expect(siteValue(await scrape(url, { token: viewer.token }), 'uptop_monitor_checks_total', id)).toBe(1);
    } finally {
      await again.stop();
    }
  });

  it('are kept per app: two apps in one process count only their own results', async ({ app: t, viewer }) => {
    const other = await startTestApp({ clock: new FakeClock(Date.now()) });
    const mine = await createSite(t, { name: 'mine', type: 'PUSH', interval: 300 });
    const theirs = await createSite(other, { name: 'theirs', type: 'PUSH', interval: 300 });
    await beat(t, mine.pushToken!);
    await beat(other, theirs.pushToken!);
    await beat(other, theirs.pushToken!);
    const s = await scrape(t.url, { token: viewer.token });
    const o = await scrape(other.url, { token: other.users.viewer.token });
    expect(samples(s, 'uptop_monitor_checks_total').map((row) => [row.labels.name, row.value])).toEqual([['mine', 1]]);
    expect(samples(o, 'uptop_monitor_checks_total').map((row) => [row.labels.name, row.value])).toEqual([['theirs', 2]]);
  });
});

describe('GET /metrics counters under a burst', () => {
  it.override({ appOptions: { env: { UPTOP_QUEUE_SIZE: '100' } } });

  it('count every result of a burst in one turn of the event loop, even those whose rows the full writer queue dropped', async ({ app: t, viewer, site }) => {
    const { engine, writer } = t.app.deps;
    // 2,000 results before anything else runs: more than a pubsub subscriber holds (1,024), and than the queue (100).
    for (let i = 0; i < 2000; i++) expect(engine.heartbeat(site.pushToken).ok).toBe(true);
    await writer.flush();
    const s = await scrape(t.url, { token: viewer.token });
    const id = numericId(site.id);
    expect(siteValue(s, 'uptop_monitor_checks_total', id)).toBe(2000);
    expect(siteValue(s, 'uptop_monitor_checks_up_total', id)).toBe(2000);
    const written = samples(s, 'uptop_writer_writes_total').find((row) => row.labels.kind === 'check')!.value;
    const dropped = samples(s, 'uptop_writer_dropped_total').find((row) => row.labels.kind === 'check')!.value;
    expect(dropped).toBeGreaterThan(0);
    expect(written + dropped).toBe(2000);
    expect(await t.app.deps.db.check.count({ where: { siteId: id } })).toBe(written);
  });
});

describe('GET /metrics of a large fleet', () => {
  it('renders SITES_PER_STEP sites per turn of the event loop, every site once and in id order', async ({ app: t, viewer }) => {
    const sites = 2 * SITES_PER_STEP + 1;
    const { engine, writeDb } = t.app.deps;
    await engine.reload(async () => {
      await writeDb.site.createMany({ data: Array.from({ length: sites }, (_, i) => ({ name: `cron ${i}`, type: 'PUSH' as const, paused: true })) });
    });
    const record = recordTurns();
    const s = await scrape(t.url, { token: viewer.token }).finally(record.stop);
    expect(record.steps()).toBe(3);
    expect(record.crowded()).toBe(-1);
    const ids = samples(s, 'uptop_monitor_paused').map((row) => Number(row.labels.id));
    expect(ids).toHaveLength(sites);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(samples(s, 'uptop_monitor_paused').map((row) => row.value))).toEqual(new Set([1]));
  });

  it('gives two scrapes under way at once their own lines: each lists every site once', async ({ app: t, viewer }) => {
    const sites = 2 * SITES_PER_STEP + 1;
    const { engine, writeDb } = t.app.deps;
    await engine.reload(async () => {
      await writeDb.site.createMany({ data: Array.from({ length: sites }, (_, i) => ({ name: `cron ${i}`, type: 'PUSH' as const, paused: true })) });
    });
    const [a, b] = await Promise.all([scrape(t.url, { token: viewer.token }), scrape(t.url, { token: viewer.token })]);
    for (const s of [a, b]) expect(new Set(samples(s, 'uptop_monitor_up').map((row) => row.labels.id)).size).toBe(sites);
    expect(samples(a, 'uptop_monitor_up')).toHaveLength(sites);
    expect(samples(b, 'uptop_monitor_up')).toEqual(samples(a, 'uptop_monitor_up'));
  });
});

describe('GET /metrics access', () => {
  const CREATE_TOKEN = /* GraphQL */ `
    mutation MetricsToken($input: CreateApiTokenInput!) {
      createApiToken(input: $input) {
        __typename
        ... on ApiTokenPayload { token apiToken { readOnly } }
        ... on Error { message }
      }
    }
  `;

  it('needs a bearer session or API token of any role', async ({ app: t, viewer }) => {
    const anonymous = await fetch(`${t.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect((await scrape(t.url, { token: 'not-a-token' })).status).toBe(401);

    expect((await scrape(t.url, { token: viewer.token })).status).toBe(200);
    const res = await viewer.request<{ createApiToken: { __typename: string; token?: string; apiToken?: { readOnly: boolean } } }>(CREATE_TOKEN, {
      input: { name: 'prometheus' },
    });
    const created = res.payload('createApiToken', 'ApiTokenPayload');
    expect(created.apiToken!.readOnly).toBe(true);
    const withToken = await scrape(t.url, { token: created.token! });
    expect(withToken.status).toBe(200);
    expect(withToken.families.has('uptop_monitor_up')).toBe(true);
  });

  describe('with UPTOP_METRICS_PUBLIC=true', () => {
    it.override({ appOptions: { env: { UPTOP_METRICS_PUBLIC: 'true' } } });

    it('answers without a token', async ({ app: t }) => {
      const s = await scrape(t.url);
      expect(s.status).toBe(200);
      expect(s.families.has('uptop_writer_queue_depth')).toBe(true);
    });
  });
});

describe('GET /metrics formats', () => {
  const PROMETHEUS_ACCEPT =
    'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

  it('answers OpenMetrics when the scraper prefers it, and the text format again afterwards, counters named alike', async ({ app: t, viewer, site }) => {
    await beat(t, site.pushToken);
    const open = await scrape(t.url, { token: viewer.token, accept: PROMETHEUS_ACCEPT });
    expect(open.contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(open.text.endsWith('# EOF\n')).toBe(true);
    const lines = open.text.split('\n');
    expect(lines).toContain('# TYPE uptop_monitor_checks counter');
    expect(lines.filter((line) => line.startsWith('uptop_monitor_checks_total{'))).toEqual([
      `uptop_monitor_checks_total{id="${numericId(site.id)}",name="fixture site",type="push"} 1`,
    ]);

    // prom-client renames a counter in place when it renders OpenMetrics: the text format must not lose `_total`.
    const text = await scrape(t.url, { token: viewer.token, accept: 'text/plain;version=0.0.4' });
    expect(text.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(siteValue(text, 'uptop_monitor_checks_total', numericId(site.id))).toBe(1);
    await expectPromtoolClean(text.text);
    expect((await scrape(t.url, { token: viewer.token, accept: 'application/openmetrics-text;q=0,text/plain;q=1' })).contentType).toMatch(/^text\/plain/);
  });
});

describe("GET /metrics: uptop's own series", () => {
  const TEST_ALERT = /* GraphQL */ `
    mutation MetricsTestAlert($input: IdInput!) {
      testAlertChannel(input: $input) {
        __typename
        ... on AlertChannelPayload { test { ok } }
      }
    }
  `;
  const CREATE_CHANNEL = /* GraphQL */ `
    mutation MetricsChannel($input: CreateAlertChannelInput!) {
      createAlertChannel(input: $input) {
        __typename
        ... on AlertChannelPayload { alertChannel { id } }
      }
    }
  `;

  it('counts writes by kind with the batch durations, and checks by monitor type', async ({ app: t, viewer, site }) => {
    await beat(t, site.pushToken);
    await beat(t, site.pushToken);
    await t.app.deps.writer.flush();
    const s = await scrape(t.url, { token: viewer.token });
    const writes = Object.fromEntries(samples(s, 'uptop_writer_writes_total').map((row) => [row.labels.kind, row.value]));
    expect(Object.keys(writes).sort()).toEqual(['alertDone', 'alertHealth', 'alertIntent', 'check', 'log', 'runtimeState', 'stateChange']);
    expect(writes.check).toBe(2);
    expect(await t.app.deps.db.check.count()).toBe(2);
    expect(samples(s, 'uptop_writer_dropped_total').map((row) => row.value)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(samples(s, 'uptop_writer_failed_writes_total')).toEqual([{ labels: {}, value: 0 }]);
    expect(samples(s, 'uptop_writer_queue_depth')).toEqual([{ labels: {}, value: 0 }]);
    expect(samples(s, 'uptop_writer_failing')).toEqual([{ labels: {}, value: 0 }]);
    const batches = s.families.get('uptop_writer_batch_duration_seconds')!;
    expect(batches.type).toBe('HISTOGRAM');
    expect(Number(batches.metrics[0]!.count)).toBeGreaterThanOrEqual(1);
    // The parser folds a labelled histogram into one row; its per-type count is read off the exposition itself.
    expect(s.text.split('\n')).toContain('uptop_check_duration_seconds_count{type="push"} 2');
    // prom-client's process and Node.js defaults, from this app's own registry.
    expect(s.families.get('process_cpu_user_seconds_total')?.type).toBe('COUNTER');
    expect(s.families.get('nodejs_heap_size_used_bytes')?.type).toBe('GAUGE');
  });

  it('counts alert sends and failures by provider', async ({ app: t, admin, viewer, channel }) => {
    const port = await closedPort();
    const created = await admin.request<{ createAlertChannel: { __typename: string; alertChannel?: { id: string } } }>(CREATE_CHANNEL, {
      input: { name: 'dead end', provider: 'WEBHOOK', settings: { url: `http://127.0.0.1:${port}/alert` } },
    });
    const dead = created.payload('createAlertChannel', 'AlertChannelPayload').alertChannel!;
    const send = async (id: string) =>
      (await admin.request<{ testAlertChannel: { __typename: string; test?: { ok: boolean } } }>(TEST_ALERT, { input: { id } })).data?.testAlertChannel.test
        ?.ok;
    expect(await send(channel.id)).toBe(true);
    expect(await send(channel.id)).toBe(true);
    expect(await send(dead.id)).toBe(false);

    const s = await scrape(t.url, { token: viewer.token });
    expect(samples(s, 'uptop_alerts_sent_total')).toEqual([{ labels: { provider: 'webhook' }, value: 2 }]);
    expect(samples(s, 'uptop_alerts_failed_total')).toEqual([{ labels: { provider: 'webhook' }, value: 1 }]);
  });

  it('shows open subscriptions by transport, graphql-ws apart from SSE', async ({ app: t, viewer }) => {
    const query = 'subscription { siteStatusChanged { change { to } } }';
    const client = wsClient(t.wsUrl, viewer.token);
    const ws = collectWs(client, query);
    const sse = await collectSse(t.graphqlUrl, query, { token: viewer.token });
    expect(sse.status).toBe(200);
    await expect.poll(() => t.app.http.openSubscriptions, { timeout: 10_000 }).toBe(2);
    const open = await scrape(t.url, { token: viewer.token });
    expect(samples(open, 'uptop_subscriptions_open')).toEqual([
      { labels: { transport: 'graphql-ws' }, value: 1 },
      { labels: { transport: 'sse' }, value: 1 },
    ]);

    ws.stop();
    await ws.done;
    await expect.poll(() => t.app.http.openWsSubscriptions, { timeout: 10_000 }).toBe(0);
    const after = await scrape(t.url, { token: viewer.token });
    expect(samples(after, 'uptop_subscriptions_open').map((row) => row.value)).toEqual([0, 1]);
  });
});
