import { afterEach } from 'vitest';
import { parseGlobalId } from '../helpers/ids.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { createSite } from '../helpers/sites.ts';
import { createCertificate, startHttpsTarget, type HttpTarget } from '../helpers/targets.ts';
import type { TestApp } from '../helpers/app.ts';
import { expectPromtoolClean, samples, scrape, siteValue } from './scrape.ts';

const CHECK_NOW = /* GraphQL */ `
  mutation MetricsCheckNow($input: IdInput!) {
    checkSiteNow(input: $input) {
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
