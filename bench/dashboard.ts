/**
 * The dashboard read path (issue 11): 1,000 sites with 30 days of history, seeded through the rollup tables as the
 * writer writes them (minutes for 48 h, hours for 30 days, days), 60 recent checks each and a few outages, then
 * `sites(first: 100)` with status, 30-day uptime, 24-hour p95 and recent checks against `sites(first: 100) { id
 * name }` on the same server. Run from bench/api.ts, whose load generator it borrows.
 */
import path from 'node:path';
import { createApp } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { toSqlDate } from '../src/db/sql-date.ts';
import { addTo, encodeSketch, type Sketch } from '../src/history/sketch.ts';
import { ROLLUP_LEVELS } from '../src/writer/rollups.ts';
import type { Tx } from '../src/writer/types.ts';
import { seededRandom } from '../test/helpers/random.ts';

export const DASHBOARD_SITES = Number(process.env.DASHBOARD_SITES ?? 1_000);
const PAGE = 100;
const DAY_MS = 24 * 3600_000;
const HOUR_MS = 3600_000;

export interface LoadJob {
  url: string;
  body: string;
  headers: Record<string, string>;
  concurrency: number;
  warmupMs: number;
  measureMs: number;
}
export interface LoadResult {
  requests: number;
  failures: number;
  seconds: number;
  p50: number;
  p99: number;
}

const ROLLUP_INSERT = `INSERT INTO "CheckRollup" ("siteId", "width", "start", "count", "upCount", "latencyCount", "latencySum", "latencyMin", "latencyMax", "sketch")
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9 FROM json_each(?)`;
const CHECK_INSERT = `INSERT INTO "Check" ("siteId", "checkedAt", "up", "status", "latencyMs", "statusCode", "nodeId")
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, 200, '' FROM json_each(?)`;

/** One bucket of `checks` checks a minute apart, latencies around the site's own typical value. */
function bucketRow(siteId: number, width: number, startMs: number, checks: number, base: number, next: () => number) {
  const sketch: Sketch = {};
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let up = 0;
  for (let i = 0; i < checks; i++) {
    const latency = base * (0.6 + next() ** 3 * 3);
    addTo(sketch, latency);
    sum += latency;
    min = Math.min(min, latency);
    max = Math.max(max, latency);
    if (next() > 0.002) up++;
  }
  return [siteId, width, toSqlDate(new Date(startMs)), checks, up, checks, sum, min, max, encodeSketch(sketch)];
}

async function seedSite(tx: Tx, siteId: number, nowMs: number, next: () => number): Promise<void> {
  const base = 20 + next() * 200;
  const rows: unknown[][] = [];
  const minute = ROLLUP_LEVELS.minute * 1000;
  for (let t = Math.floor((nowMs - 2 * DAY_MS) / minute) * minute; t < nowMs; t += minute) rows.push(bucketRow(siteId, ROLLUP_LEVELS.minute, t, 1, base, next));
  for (let t = Math.floor((nowMs - 30 * DAY_MS) / HOUR_MS) * HOUR_MS; t < nowMs; t += HOUR_MS)
    rows.push(bucketRow(siteId, ROLLUP_LEVELS.hour, t, 60, base, next));
  for (let t = Math.floor((nowMs - 30 * DAY_MS) / DAY_MS) * DAY_MS; t < nowMs; t += DAY_MS)
    rows.push(bucketRow(siteId, ROLLUP_LEVELS.day, t, 1440, base, next));
  await tx.$executeRawUnsafe(ROLLUP_INSERT, JSON.stringify(rows));
  const checks = Array.from({ length: 60 }, (_, i) => [siteId, toSqlDate(new Date(nowMs - (60 - i) * 60_000)), true, 'UP', base * (0.6 + next())]);
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

async function gql<T>(url: string, query: string, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data || body.errors) throw new Error(`${query.slice(0, 60)}...: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

export function dashboardConfig(dir: string) {
  return loadConfig({
    DATABASE_URL: `file:${path.join(dir, 'dashboard.db')}`,
    UPTOP_HTTP_HOST: '127.0.0.1',
    UPTOP_HTTP_PORT: '0',
    UPTOP_ADMIN_USER: 'admin',
    UPTOP_ADMIN_PASSWORD: 'bench-password',
    LOG_LEVEL: 'warn',
  });
}

/** Seeds the history through one app, then stops it. Returns the time the history ends at. */
export async function seedDashboard(config: Config): Promise<number> {
  const nowMs = Date.now();
  const seeding = await createApp(config);
  await seeding.start();
  const seedStarted = performance.now();
  const next = seededRandom(11);
  for (let i = 0; i < DASHBOARD_SITES; i++) {
    await seeding.deps.writer.submit(async (tx) => {
      // Paused push monitors: the engine holds them without checking, so the history stays as seeded.
      const site = await tx.site.create({ data: { name: `service ${String(i).padStart(4, '0')}`, type: 'PUSH', paused: true } });
      await seedSite(tx, site.id, nowMs, next);
    });
  }
  const rollups = await seeding.deps.db.checkRollup.count();
  await seeding.stop();
  console.log(`dashboard: ${DASHBOARD_SITES} sites, ${rollups} rollup rows seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
  return nowMs;
}

/** The two queries: the full dashboard, and the same page with only id and name. */
export function dashboardQueries(nowMs: number): { full: string; plain: string } {
  const monthAgo = new Date(nowMs - 30 * DAY_MS).toISOString();
  const dayAgo = new Date(Math.floor((nowMs - DAY_MS) / HOUR_MS) * HOUR_MS).toISOString();
  return {
    full: `{ sites(first: ${PAGE}) { edges { node { id name status uptime(from: "${monthAgo}") { uptimePercent } latency(from: "${dayAgo}", step: 86400) { p95 } recentChecks { status latencyMs } } } } }`,
    plain: `{ sites(first: ${PAGE}) { edges { node { id name } } } }`,
  };
}

export async function signIn(url: string): Promise<string> {
  return (
    await gql<{ login: { token: string } }>(
      url,
      'mutation { login(input: { username: "admin", password: "bench-password" }) { ... on LoginPayload { token } } }',
    )
  ).login.token;
}

/** Seeds, restarts the app on the seeded file (so the engine loads every site and its recent checks), measures. */
export async function dashboardBench(dir: string, load: (job: LoadJob) => Promise<LoadResult>, job: Omit<LoadJob, 'url' | 'body' | 'headers'>): Promise<void> {
  const config = dashboardConfig(dir);
  const nowMs = await seedDashboard(config);
  const app = await createApp(config);
  const { port } = await app.start();
  try {
    const url = `http://127.0.0.1:${port}/graphql`;
    const token = await signIn(url);
    const { full, plain } = dashboardQueries(nowMs);
    const sample = await gql<{ sites: { edges: { node: { recentChecks: unknown[]; latency: { p95: number | null }[] } }[] } }>(url, full, token);
    const first = sample.sites.edges[0]!.node;
    if (first.recentChecks.length !== 60 || first.latency[0]?.p95 == null)
      throw new Error(`dashboard seed not visible: ${JSON.stringify(first).slice(0, 200)}`);
    const headers = { authorization: `Bearer ${token}` };
    const base = await load({ ...job, url, body: JSON.stringify({ query: plain }), headers });
    const dash = await load({ ...job, url, body: JSON.stringify({ query: full }), headers });
    const rate = (r: LoadResult) => r.requests / r.seconds;
    const line = (name: string, r: LoadResult) =>
      `${name}: ${rate(r).toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.failures} failed`;
    console.log(line(`dashboard sites(first: ${PAGE}) { id name }`, base));
    console.log(line(`dashboard sites(first: ${PAGE}) with status, uptime 30 d, p95 24 h, recentChecks`, dash));
    console.log(`dashboard p50 ratio (full / id name): ${(dash.p50 / base.p50).toFixed(2)} (goal at most 3)`);
  } finally {
    await app.stop();
  }
}
