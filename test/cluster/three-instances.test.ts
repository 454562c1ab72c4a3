/**
 * The issue's end-to-end test of several instances: real `uptop serve` processes on one throwaway PostgreSQL and one
 * Redis, HTTP sites against a local target that notes when each site was requested, and a webhook receiver. Timing
 * is measured on the wall clock from the target's log, as a user would see it; the bounds are the issue's.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { collectWs, dataOf, wsClient } from '../helpers/clients.ts';
import { pgQuery, usePostgres } from '../helpers/postgres.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import {
  clusterView,
  createHttpSite,
  graphql,
  hitsBetween,
  longestGap,
  shortestGap,
  signIn,
  startHitTarget,
  startInstance,
  type HitTarget,
  type Installation,
  type Instance,
} from './processes.ts';

/** The minimum interval, so that a run sees many intervals in a minute. */
const INTERVAL_S = 5;
const INTERVAL_MS = INTERVAL_S * 1000;
/** The issue's takeover bound: two intervals or 30 s, whichever is larger. */
const TAKEOVER_BOUND_MS = Math.max(2 * INTERVAL_MS, 30_000);
/** After each run the engine waits the interval plus up to 10 % jitter (src/engine/loop.ts): 1.05 intervals on average. */
const MEAN_PERIOD_MS = INTERVAL_MS * 1.05;
const SITES = 300;
const sitePath = (key: number) => `/s/${key}`;

const pg = usePostgres();
let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh database on the file's PostgreSQL, and the file's Redis. */
async function installation(): Promise<Installation> {
  return { databaseUrl: await pg.createDatabase(), redisUrl: redis.url };
}

/** Starts instances in order (the first migrates the database); each is killed when the test ends if still running. */
async function start(inst: Installation, ...ids: string[]): Promise<Instance[]> {
  const started: Instance[] = [];
  for (const id of ids) {
    const instance = await startInstance(inst, id);
    onTestFinished(() => instance.kill());
    started.push(instance);
  }
  return started;
}

async function hitTarget(): Promise<HitTarget> {
  const target = await startHitTarget();
  onTestFinished(() => target.close());
  return target;
}

/** Creates the sites `/s/0` … `/s/<count-1>` on `on`, a few requests at a time; answers their ids by key. */
async function createSites(on: Instance, token: string, target: HitTarget, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let from = 0; from < count; from += 10) {
    const keys = Array.from({ length: Math.min(10, count - from) }, (_, i) => from + i);
    const made = await Promise.all(
      keys.map((key) => createHttpSite(on, token, { name: `site ${key}`, url: `${target.url}s/${key}`, interval: INTERVAL_S, timeout: 2 })),
    );
    ids.push(...made.map((site) => site.id));
  }
  return ids;
}

/** Who holds each slot now, as the lease table says. */
async function slotOwners(inst: Installation): Promise<Map<number, string>> {
  const rows = await pgQuery<{ slot: number; owner: string }>(inst.databaseUrl, `SELECT "slot", "owner" FROM "SlotLease" WHERE "owner" <> ''`);
  return new Map(rows.map((r) => [r.slot, r.owner]));
}

/** How many of `siteIds` each instance owns by the lease table. */
async function sitesPerInstance(inst: Installation, siteIds: number[]): Promise<Record<string, number>> {
  const owners = await slotOwners(inst);
  const counts: Record<string, number> = {};
  for (const id of siteIds) {
    const owner = owners.get(id % 256) ?? '(nobody)';
    counts[owner] = (counts[owner] ?? 0) + 1;
  }
  return counts;
}

/** Resolves once every live instance sees `expected` members and together they hold every slot. */
async function settled(instances: Instance[], token: string, timeout = 30_000): Promise<void> {
  await vi.waitFor(
    async () => {
      const views = await Promise.all(instances.map((i) => clusterView(i, token)));
      for (const view of views) expect(view.members).toEqual(instances.map((i) => i.id).sort());
      expect(views.reduce((sum, v) => sum + v.slotsHeld, 0)).toBe(256);
    },
    { timeout, interval: 250 },
  );
}

/** Resolves once every site has been requested since `sinceMs`. */
async function allChecked(target: HitTarget, keys: number[], sinceMs: number, timeout: number): Promise<void> {
  await vi.waitFor(() => expect(keys.filter((k) => hitsBetween(target, sitePath(k), sinceMs, Infinity).length === 0)).toEqual([]), {
    timeout,
    interval: 100,
  });
}

/**
 * Every site of `keys` checked once per interval in [from, to): between each site's first and last check in the
 * window, as many checks as (jittered) intervals within 5 %, and no site checked twice within half an interval. The
 * count runs from each site's first check, not from the window's edges: sites taken over together are checked in step
 * for a while, and a count of whole-window hits would swing with where their common phase falls.
 */
function expectOncePerInterval(target: HitTarget, keys: number[], fromMs: number, toMs: number): { checks: number; expected: number } {
  let checks = 0;
  let spanMs = 0;
  for (const k of keys) {
    const times = hitsBetween(target, sitePath(k), fromMs, toMs);
    expect(times.length, `site ${k}`).toBeGreaterThanOrEqual(2);
    checks += times.length - 1;
    spanMs += times.at(-1)! - times[0]!;
  }
  const expected = spanMs / MEAN_PERIOD_MS;
  expect(Math.abs(checks - expected) / expected).toBeLessThanOrEqual(0.05);
  expectNoneDoubled(target, keys, fromMs, toMs);
  return { checks, expected: Math.round(expected) };
}

/** No site of `keys` checked twice within half an interval in [from, to): no two instances checked it. */
function expectNoneDoubled(target: HitTarget, keys: number[], fromMs: number, toMs: number): void {
  expect(keys.filter((k) => shortestGap(target, sitePath(k), fromMs, toMs) < INTERVAL_MS / 2)).toEqual([]);
}

const CREATE_CHANNEL =
  'mutation($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { __typename ... on AlertChannelPayload { alertChannel { id } } } }';
const STATUS_CHANGED = 'subscription($ids: [ID!]) { siteStatusChanged(siteIds: $ids) { site { id } change { siteId from to } } }';

describe('three uptop processes on one PostgreSQL and one Redis', () => {
  it('check each site once per interval, spread the load, survive a SIGKILL within the bound, alert once per transition and relay changes to subscribers', async () => {
    const inst = await installation();
    const target = await hitTarget();
    const receiver = await startReceiver();
    const instances = await start(inst, 'uptop-a', 'uptop-b', 'uptop-c');
    const [a] = instances as [Instance, Instance, Instance];
    const token = await signIn(a);

    // A site that alternates DOWN and UP, alerting a webhook: the alerts are compared to its committed transitions.
    const channel = await graphql(a, CREATE_CHANNEL, { input: { name: 'hook', provider: 'WEBHOOK', settings: { url: `${receiver.url}/hook` } } }, token);
    const channelId = channel.createAlertChannel.alertChannel.id as string;
    const flap = await createHttpSite(a, token, { name: 'flap', url: `${target.url}flap`, interval: INTERVAL_S, timeout: 2, alertChannelIds: [channelId] });
    let flapDown = false;
    const toggles: number[] = [];
    const flapper = setInterval(
      () => {
        flapDown = !flapDown;
        toggles.push(Date.now());
        target.setStatus('/flap', flapDown ? 500 : 200);
      },
      2 * INTERVAL_MS + 500,
    );
    onTestFinished(() => clearInterval(flapper));

    const keys = Array.from({ length: SITES }, (_, k) => k);
    const createdAt = Date.now();
    const flapId = flap.id;
    const siteIds = [flapId, ...(await createSites(a, token, target, SITES))];
    await settled(instances, token);
    await allChecked(target, keys, createdAt, 3 * INTERVAL_MS);

    // Steady state: once per interval, none doubled, an even share each.
    const t1 = Date.now();
    await sleep(4 * INTERVAL_MS);
    const steady = expectOncePerInterval(target, keys, t1, Date.now());
    const shares = await sitesPerInstance(inst, siteIds);
    const views = await Promise.all(instances.map((i) => clusterView(i, token)));
    console.log(
      `steady: ${steady.checks} checks for ${steady.expected} expected; sites per instance ${JSON.stringify(shares)}; slots ${views.map((v) => `${v.instanceId}=${v.slotsHeld}`).join(' ')}`,
    );
    for (const instance of instances) expect(Math.abs(shares[instance.id]! - siteIds.length / 3) / (siteIds.length / 3)).toBeLessThanOrEqual(0.1);
    for (const view of views) expect(view.slotsHeld).toBeGreaterThanOrEqual(85);

    // The flapping site's owner is the one killed; a subscriber on another instance sees its changes.
    const owners = await slotOwners(inst);
    const victim = instances.find((i) => i.id === owners.get(flapId % 256))!;
    const watcher = instances.find((i) => i !== victim)!;
    const subscriber = collectWs(wsClient(watcher.wsUrl, token), STATUS_CHANGED, { ids: [flap.gid] });
    await vi.waitFor(() => expect(subscriber.results.length).toBeGreaterThan(0), { timeout: 4 * INTERVAL_MS, interval: 100 });
    expect(dataOf(subscriber.results[0]).siteStatusChanged.change.siteId).toBe(flap.gid);

    const victimKeys = keys.filter((k) => owners.get(siteIds[k + 1]! % 256) === victim.id);
    const killedAt = Date.now();
    await victim.kill();
    const survivors = instances.filter((i) => i !== victim);
    await allChecked(target, victimKeys, killedAt + 1, TAKEOVER_BOUND_MS + 10_000);
    const takeover = victimKeys.map((k) => hitsBetween(target, sitePath(k), killedAt + 1, Infinity)[0]! - killedAt).sort((x, y) => x - y);
    console.log(`takeover of ${victimKeys.length} sites after SIGKILL: p50 ${takeover[takeover.length >> 1]} ms, max ${takeover.at(-1)} ms`);
    expect(takeover.at(-1)).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);

    // After the takeover: two instances, once per interval again.
    await settled(survivors, token);
    const t2 = Date.now();
    await sleep(3 * INTERVAL_MS);
    const after = expectOncePerInterval(target, keys, t2, Date.now());
    console.log(`after takeover: ${after.checks} checks for ${after.expected} expected`);

    // The flapping stops UP; once its last transitions are sent, every committed transition was alerted exactly once.
    // A loaded machine can reach this point within one flip of the kill: the flapping goes on until survivors have
    // committed two transitions of their own (a flip every 2.1 intervals).
    const flapTransitions = () =>
      pgQuery<{ toStatus: string; changedAt: Date }>(
        inst.databaseUrl,
        `SELECT "toStatus", "changedAt" FROM "StateChange" WHERE "siteId" = $1 AND "toStatus" IN ('UP', 'DOWN') AND "fromStatus" IN ('UP', 'DOWN') ORDER BY "changedAt"`,
        [flapId],
      );
    const transitionsSince = async (since: number) => (await flapTransitions()).filter((t) => t.changedAt.getTime() > since).length;
    await vi.waitFor(async () => expect(await transitionsSince(killedAt)).toBeGreaterThanOrEqual(2), { timeout: 12 * INTERVAL_MS, interval: 500 });
    clearInterval(flapper);
    target.setStatus('/flap', 200);
    await sleep(2 * INTERVAL_MS);
    const transitions = await flapTransitions();
    await vi.waitFor(() => expect(receiver.requests.length).toBeGreaterThanOrEqual(transitions.length), { timeout: 10_000, interval: 100 });
    const alerts = receiver.requests.map((r) => r.json() as { event: string; timestamp: string });
    console.log(
      `flapping: ${transitions.length} transitions, ${alerts.length} alerts (${transitions.filter((t) => t.changedAt.getTime() > killedAt).length} transitions after the kill)`,
    );
    expect(transitions.filter((t) => t.changedAt.getTime() < killedAt).length).toBeGreaterThanOrEqual(2);
    expect(transitions.filter((t) => t.changedAt.getTime() > killedAt).length).toBeGreaterThanOrEqual(2);
    // One alert per transition, in the same order, each sent for its transition (the alert is stamped as it is made).
    const byTime = [...alerts].sort((x, y) => x.timestamp.localeCompare(y.timestamp));
    expect(byTime.map((x) => x.event)).toEqual(transitions.map((t) => (t.toStatus === 'DOWN' ? 'down' : 'up')));
    byTime.forEach((x, i) => expect(Math.abs(Date.parse(x.timestamp) - transitions[i]!.changedAt.getTime())).toBeLessThan(1000));
    // The watcher saw changes made by the victim before the kill and by a survivor after it.
    expect(subscriber.results.length).toBeGreaterThanOrEqual(2);
  }, 240_000);

  it('rebalances without a gap longer than one interval when an instance is added, then when one leaves', async () => {
    const inst = await installation();
    const target = await hitTarget();
    const [a, b] = await start(inst, 'uptop-a', 'uptop-b');
    const token = await signIn(a!);
    const keys = Array.from({ length: SITES }, (_, k) => k);
    const createdAt = Date.now();
    await createSites(a!, token, target, SITES);
    await settled([a!, b!], token);
    await allChecked(target, keys, createdAt, 3 * INTERVAL_MS);

    const addedAt = Date.now();
    const [c] = await start(inst, 'uptop-c');
    await settled([a!, b!, c!], token);
    await sleep(2 * INTERVAL_MS);
    const added = { fromMs: addedAt, toMs: Date.now() };

    const leftAt = Date.now();
    await b!.stop();
    await settled([a!, c!], token);
    await sleep(2 * INTERVAL_MS);
    const left = { fromMs: leftAt, toMs: Date.now() };

    const gaps = [added, left].map(({ fromMs, toMs }) => Math.max(...keys.map((k) => longestGap(target, sitePath(k), fromMs, toMs))));
    const doubled = [added, left].map(({ fromMs, toMs }) => keys.filter((k) => shortestGap(target, sitePath(k), fromMs, toMs) < INTERVAL_MS / 2).length);
    console.log(
      `longest gap: adding ${gaps[0]} ms, leaving ${gaps[1]} ms; sites checked twice within half an interval: adding ${doubled[0]}, leaving ${doubled[1]} (interval ${INTERVAL_MS} ms)`,
    );
    // A gap of one interval is the schedule itself; a missed check would make it two.
    expect(Math.max(...gaps)).toBeLessThan(2 * INTERVAL_MS);
    // The handover starts each moved site from its last owner's last check: none is checked again at once.
    expect(doubled).toEqual([0, 0]);
  }, 180_000);
});
