/**
 * Cluster benchmark: three `uptop serve` processes on one throwaway PostgreSQL and one Redis (test/cluster/processes.ts),
 * BENCH_SITES HTTP sites at BENCH_INTERVAL against a local target that notes when each site is requested. Each request
 * is credited to the instance holding the site's slot, so the run reports checks/s overall and per instance against
 * the rate scheduled (each site's rate measured between its first and last check in the window), and the share of sites
 * each holds. Then one instance is killed with SIGKILL and the run reports
 * the takeover: from the kill to each of its sites' first check by another instance (p50, max), against the bound of
 * max(2 intervals, 30 s). The last line is `cluster takeover ratio: <max takeover / bound>` (below 1 is within it).
 * Knobs: BENCH_SITES (3000), BENCH_INTERVAL (30, seconds), BENCH_SECONDS (90).
 */
import { storeFor } from '../src/db/store.ts';
import { pgQuery, startPostgres } from '../test/helpers/postgres.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { clusterView, hitsBetween, signIn, startHitTarget, startInstance, type Instance } from '../test/cluster/processes.ts';

const SLOTS = 256;
const sites = Number(process.env.BENCH_SITES ?? 3000);
const interval = Number(process.env.BENCH_INTERVAL ?? 30);
const seconds = Number(process.env.BENCH_SECONDS ?? 90);
const boundMs = Math.max(2 * interval * 1000, 30_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Polls `ready` every 250 ms until it answers true; throws after `timeoutMs`. */
async function until(what: string, timeoutMs: number, ready: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const pg = await startPostgres();
const redis = await startRedis();
const target = await startHitTarget();
const instances: Instance[] = [];
try {
  const databaseUrl = await pg.createDatabase();
  await storeFor(databaseUrl).migrate();
  // The sites go in before any instance starts, so every instance loads them at start.
  const values = Array.from({ length: sites }, (_, i) => `('site ${i}', 'HTTP', '${target.url}s/${i + 1}', ${interval}, now(), now())`);
  for (let from = 0; from < values.length; from += 1000)
    await pgQuery(databaseUrl, `INSERT INTO "Site" (name, type, url, interval, "createdAt", "updatedAt") VALUES ${values.slice(from, from + 1000).join(',')}`);
  const ids = (await pgQuery<{ id: number; url: string }>(databaseUrl, `SELECT id, url FROM "Site"`)).map((r) => ({ id: r.id, path: new URL(r.url).pathname }));

  console.log(`cluster bench: 3 instances, ${sites} HTTP sites, interval ${interval} s, ${seconds} s measured`);
  const t0 = performance.now();
  for (const id of ['uptop-a', 'uptop-b', 'uptop-c']) instances.push(await startInstance({ databaseUrl, redisUrl: redis.url }, id, { LOG_LEVEL: 'info' }));
  const token = await signIn(instances[0]!);
  await until('three members holding every slot', 60_000, async () => {
    const views = await Promise.all(instances.map((i) => clusterView(i, token)));
    return views.every((v) => v.members.length === 3) && views.reduce((sum, v) => sum + v.slotsHeld, 0) === SLOTS;
  });
  console.log(`start (3 processes, leases settled): ${(performance.now() - t0).toFixed(0)} ms`);
  // Measured once every site has been checked by its settled owner.
  const settledAt = Date.now();
  await until('every site checked once', 2 * interval * 1000 + 30_000, () => ids.every((s) => hitsBetween(target, s.path, settledAt, Infinity).length > 0));

  const owners = new Map(
    (await pgQuery<{ slot: number; owner: string }>(databaseUrl, `SELECT slot, owner FROM "SlotLease" WHERE owner <> ''`)).map((r) => [r.slot, r.owner]),
  );
  const ownerOf = (id: number) => owners.get(id % SLOTS) ?? '(nobody)';
  const t1 = Date.now();
  await sleep(seconds * 1000);
  const t2 = Date.now();
  // Each site's rate is taken between its own first and last check in the window: sites taken over together run in
  // step for a while, and a count of whole-window hits would swing with where their common phase falls.
  const perInstance = new Map(instances.map((i) => [i.id, { sites: 0, checks: 0, spanMs: 0 }]));
  for (const site of ids) {
    const times = hitsBetween(target, site.path, t1, t2);
    const row = perInstance.get(ownerOf(site.id));
    if (!row) continue;
    row.sites++;
    if (times.length < 2) continue;
    row.checks += times.length - 1;
    row.spanMs += times.at(-1)! - times[0]!;
  }
  const rateOf = (row: { sites: number; checks: number; spanMs: number }) => (row.sites * row.checks * 1000) / Math.max(1, row.spanMs);
  const total = [...perInstance.values()].reduce((sum, row) => sum + rateOf(row), 0);
  const scheduled = sites / interval;
  console.log(
    `checks/s: ${total.toFixed(1)} vs ${scheduled.toFixed(1)}/s scheduled (ratio ${(total / scheduled).toFixed(3)}; the 0–10 % jitter alone gives ~0.95) over ${(t2 - t1) / 1000} s`,
  );
  for (const [id, row] of perInstance)
    console.log(
      `  ${id}: ${row.sites} sites (${((row.sites / sites) * 3).toFixed(3)} of an even share), ${rateOf(row).toFixed(1)} checks/s (ratio ${(rateOf(row) / (row.sites / interval)).toFixed(3)})`,
    );

  // The takeover: the instance holding slot 0 dies without giving anything back.
  const victim = instances.find((i) => i.id === owners.get(0)) ?? instances[0]!;
  const orphans = ids.filter((s) => ownerOf(s.id) === victim.id);
  const killedAt = Date.now();
  await victim.kill();
  await until(`the ${orphans.length} sites of ${victim.id} checked again`, boundMs + 60_000, () =>
    orphans.every((s) => hitsBetween(target, s.path, killedAt + 1, Infinity).length > 0),
  );
  const takeover = orphans.map((s) => hitsBetween(target, s.path, killedAt + 1, Infinity)[0]! - killedAt).sort((x, y) => x - y);
  console.log(
    `takeover after SIGKILL of ${victim.id} (${orphans.length} sites): p50 ${(percentile(takeover, 50) / 1000).toFixed(1)} s, max ${(takeover.at(-1)! / 1000).toFixed(1)} s; bound ${(boundMs / 1000).toFixed(0)} s (leases last 15 s, renewed every 2 s)`,
  );
  console.log(`cluster takeover ratio: ${(takeover.at(-1)! / boundMs).toFixed(3)}`);
} finally {
  await Promise.all(instances.map((i) => i.stop()));
  await target.close();
  await redis.stop();
  await pg.stop();
}
