/**
 * The dashboard read path (issue 11): 1,000 sites with 30 days of history, seeded through the rollup tables as the
 * writer writes them (minutes for 48 h, hours for 30 days, days), 60 recent checks each and a few outages, then
 * `sites(first: 100)` with status, 30-day uptime, 24-hour p95 and recent checks against `sites(first: 100) { id
 * name }` on the same server. bench/api.ts runs it with its load generator.
 */
import type { App } from '../src/app.ts';
import { toSqlDate } from '../src/db/sql-date.ts';
import { microseconds } from '../src/engine/checks/result.ts';
import { addTo, encodeSketch, mergeInto, type Sketch } from '../src/history/sketch.ts';
import { ROLLUP_LEVELS } from '../src/writer/rollups.ts';
import type { Tx } from '../src/writer/types.ts';
import { seededRandom } from '../test/helpers/random.ts';

export const DASHBOARD_SITES = Number(process.env.DASHBOARD_SITES ?? 1_000);
const PAGE = 100;
const DAY_MS = 24 * 3600_000;
const HOUR_MS = 3600_000;

const ROLLUP_INSERT = `INSERT INTO "CheckRollup" ("siteId", "width", "start", "count", "upCount", "latencyCount", "latencySum", "latencyMin", "latencyMax", "sketch")
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9 FROM json_each(?)`;
const CHECK_INSERT = `INSERT INTO "Check" ("siteId", "checkedAt", "up", "status", "latencyMs", "statusCode", "nodeId")
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, 200, '' FROM json_each(?)`;

/** A bucket's numbers before it is placed: what `checks` checks a minute apart around a typical latency give. */
interface Bucket {
  count: number;
  up: number;
  sum: number;
  min: number;
  max: number;
  sketch: Sketch;
}

function simulate(checks: number, next: () => number): Bucket {
  const b: Bucket = { count: checks, up: 0, sum: 0, min: Infinity, max: -Infinity, sketch: {} };
  for (let i = 0; i < checks; i++) {
    const latency = microseconds(60 * (0.6 + next() ** 3 * 3));
    addTo(b.sketch, latency);
    b.sum += latency;
    b.min = Math.min(b.min, latency);
    b.max = Math.max(b.max, latency);
    if (next() > 0.002) b.up++;
  }
  return b;
}

function merged(parts: Bucket[]): Bucket {
  const b: Bucket = { count: 0, up: 0, sum: 0, min: Infinity, max: -Infinity, sketch: {} };
  for (const p of parts) {
    b.count += p.count;
    b.up += p.up;
    b.sum += p.sum;
    b.min = Math.min(b.min, p.min);
    b.max = Math.max(b.max, p.max);
    mergeInto(b.sketch, p.sketch);
  }
  return b;
}

const row = (siteId: number, width: number, startMs: number, b: Bucket) => [
  siteId,
  width,
  toSqlDate(new Date(startMs)),
  b.count,
  b.up,
  b.count,
  b.sum,
  b.min,
  b.max,
  encodeSketch(b.sketch),
];

/**
 * Simulating every check of 1,000 sites × 30 days would take minutes: hours are drawn from a pool of simulated
 * hours, and each day is the merge of its hours, as the writer's rollups add up. Rows and sketch sizes, which is what
 * reading costs, are those of real checks a minute apart.
 */
function pools(next: () => number): { minutes: Bucket[]; hours: Bucket[] } {
  return { minutes: Array.from({ length: 256 }, () => simulate(1, next)), hours: Array.from({ length: 256 }, () => simulate(60, next)) };
}

async function seedSite(tx: Tx, siteId: number, nowMs: number, next: () => number, pool: ReturnType<typeof pools>): Promise<void> {
  const pick = (from: Bucket[]) => from[Math.floor(next() * from.length)]!;
  const rows: unknown[][] = [];
  const minute = ROLLUP_LEVELS.minute * 1000;
  for (let t = Math.floor((nowMs - 2 * DAY_MS) / minute) * minute; t < nowMs; t += minute) rows.push(row(siteId, ROLLUP_LEVELS.minute, t, pick(pool.minutes)));
  for (let day = Math.floor((nowMs - 30 * DAY_MS) / DAY_MS) * DAY_MS; day < nowMs; day += DAY_MS) {
    const hours: Bucket[] = [];
    for (let t = day; t < Math.min(day + DAY_MS, nowMs); t += HOUR_MS) {
      const hour = pick(pool.hours);
      hours.push(hour);
      if (t >= nowMs - 30 * DAY_MS) rows.push(row(siteId, ROLLUP_LEVELS.hour, t, hour));
    }
    rows.push(row(siteId, ROLLUP_LEVELS.day, day, merged(hours)));
  }
  await tx.$executeRawUnsafe(ROLLUP_INSERT, JSON.stringify(rows));
  const checks = Array.from({ length: 60 }, (_, i) => [siteId, toSqlDate(new Date(nowMs - (60 - i) * 60_000)), true, 'UP', microseconds(40 + next() * 100)]);
  await tx.$executeRawUnsafe(CHECK_INSERT, JSON.stringify(checks));
  // A few outages a month on one site in five.
  if (next() < 0.2) {
    const data = [];
    for (let k = 0; k < 1 + Math.floor(next() * 5); k++) {
      const down = nowMs - next() * 30 * DAY_MS;
      data.push({ siteId, fromStatus: 'UP' as const, toStatus: 'DOWN' as const, reason: 'HTTP 503', changedAt: new Date(down) });
      data.push({ siteId, fromStatus: 'DOWN' as const, toStatus: 'UP' as const, reason: '', changedAt: new Date(down + next() * HOUR_MS) });
    }
    await tx.stateChange.createMany({ data });
  }
}

/** Seeds the history through a started app, one site per writer command. Returns the time the history ends at. */
export async function seedDashboard(app: App): Promise<number> {
  const nowMs = Date.now();
  const started = performance.now();
  const next = seededRandom(11);
  const pool = pools(next);
  for (let i = 0; i < DASHBOARD_SITES; i++) {
    await app.deps.writer.submit(async (tx) => {
      // Paused push monitors: the engine holds them without checking, so the history stays as seeded.
      // Created before the history, as a site with 30 days of it was: uptime counts from a site's creation.
      const site = await tx.site.create({
        data: { name: `service ${String(i).padStart(4, '0')}`, type: 'PUSH', paused: true, createdAt: new Date(nowMs - 31 * DAY_MS) },
      });
      await seedSite(tx, site.id, nowMs, next, pool);
    });
  }
  const rollups = await app.deps.db.checkRollup.count();
  console.log(`dashboard: ${DASHBOARD_SITES} sites, ${rollups} rollup rows seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return nowMs;
}

/**
 * The dashboard page and the same page with only id and name; and, to tell where the full page's time goes, the page
 * without its recent checks and the page with only them. The 24 hours start on the hour: hourly rollups.
 */
export function dashboardQueries(nowMs: number): { full: string; plain: string; history: string; recent: string } {
  const monthAgo = new Date(nowMs - 30 * DAY_MS).toISOString();
  const dayAgo = new Date(Math.floor((nowMs - DAY_MS) / HOUR_MS) * HOUR_MS).toISOString();
  const page = (fields: string) => `{ sites(first: ${PAGE}) { edges { node { ${fields} } } } }`;
  const history = `id name status uptime(from: "${monthAgo}") { uptimePercent } latency(from: "${dayAgo}", step: 86400) { p95 }`;
  return {
    full: page(`${history} recentChecks { status latencyMs }`),
    plain: page('id name'),
    history: page(history),
    recent: page('id name recentChecks { status latencyMs }'),
  };
}

/**
 * One busy site with two years of history at the retention limits: a day rollup a day (each the merge of 24 simulated
 * hours), 90 days of hours, and 5,000 state changes (UPTOP_RETAIN_STATE_CHANGES). Returns its id and the time the
 * history ends at.
 */
export async function seedBusySite(app: App): Promise<{ siteId: number; nowMs: number }> {
  const nowMs = Date.now();
  const next = seededRandom(13);
  const pool = pools(next);
  const siteId = await app.deps.writer.submit(async (tx) => {
    const site = await tx.site.create({ data: { name: 'busy', type: 'PUSH', paused: true, createdAt: new Date(nowMs - 731 * DAY_MS) } });
    const rows: unknown[][] = [];
    for (let day = Math.floor((nowMs - 730 * DAY_MS) / DAY_MS) * DAY_MS; day < nowMs; day += DAY_MS) {
      const hours = Array.from({ length: 24 }, () => pool.hours[Math.floor(next() * pool.hours.length)]!);
      rows.push(row(site.id, ROLLUP_LEVELS.day, day, merged(hours)));
      if (day >= nowMs - 90 * DAY_MS) hours.forEach((hour, h) => rows.push(row(site.id, ROLLUP_LEVELS.hour, day + h * HOUR_MS, hour)));
    }
    await tx.$executeRawUnsafe(ROLLUP_INSERT, JSON.stringify(rows));
    const changes = Array.from({ length: 5000 }, (_, i) => ({
      siteId: site.id,
      fromStatus: i % 2 ? ('DOWN' as const) : ('UP' as const),
      toStatus: i % 2 ? ('UP' as const) : ('DOWN' as const),
      reason: 'flap',
      changedAt: new Date(nowMs - 730 * DAY_MS + (i + 0.5) * ((730 * DAY_MS) / 5000)),
    }));
    await tx.stateChange.createMany({ data: changes });
    return site.id;
  });
  return { siteId, nowMs };
}
