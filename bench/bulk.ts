/**
 * Big operations on a big installation: 5,000 HTTP monitors checking a local target, each with a year of daily
 * rollups, a week of hourly ones, two hours of minutes and 100 raw checks, one channel linked to all of them, and one
 * site with a full history (the retention limits of every table). While the engine keeps checking, it runs one at a
 * time: deleting the channel, deleting the busy site, pausing and resuming 500 sites, an apply --prune that removes
 * 4,000 sites, a backup import of what is left, a Kuma import of 2,000 monitors. For each it prints the longest the
 * event loop was held, the slowest answer to another client meanwhile, writes dropped and the peak RSS.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { toSqlDate } from '../src/db/sql-date.ts';
import { globalId } from '../src/graphql/ids.ts';
import { addTo, encodeSketch, type Sketch } from '../src/history/sketch.ts';
import { ROLLUP_LEVELS } from '../src/writer/rollups.ts';
import { gql, listen } from './http.ts';

const SITES = Number(process.env.BULK_SITES ?? 5_000);
const DAY_MS = 24 * 3600_000;
const HOUR_MS = 3600_000;
const MINUTE_MS = 60_000;

const ROLLUP_INSERT = `INSERT INTO "CheckRollup" ("siteId", "width", "start", "count", "upCount", "latencyCount", "latencySum", "latencyMin", "latencyMax", "sketch")
  SELECT value ->> 0, value ->> 1, value ->> 2, 60, 60, 60, 6000, 50, 150, ? FROM json_each(?)`;
const CHECK_INSERT = `INSERT INTO "Check" ("siteId", "checkedAt", "up", "status", "latencyMs", "statusCode", "nodeId")
  SELECT value ->> 0, value ->> 1, 1, 'UP', 100, 200, '' FROM json_each(?)`;
const CHANGE_INSERT = `INSERT INTO "StateChange" ("siteId", "fromStatus", "toStatus", "reason", "changedAt")
  SELECT value ->> 0, value ->> 1, value ->> 2, 'HTTP 503', value ->> 3 FROM json_each(?)`;

function history(siteId: number, nowMs: number, full: boolean) {
  const rollups: [number, number, string][] = [];
  const level = (width: number, span: number, step: number) => {
    for (let t = Math.floor((nowMs - span) / step) * step; t < nowMs; t += step) rollups.push([siteId, width, toSqlDate(new Date(t))]);
  };
  level(ROLLUP_LEVELS.day, (full ? 730 : 365) * DAY_MS, DAY_MS);
  level(ROLLUP_LEVELS.hour, (full ? 90 : 7) * DAY_MS, HOUR_MS);
  level(ROLLUP_LEVELS.minute, (full ? 48 : 2) * HOUR_MS, MINUTE_MS);
  const checks = Array.from({ length: full ? 1000 : 100 }, (_, i) => [siteId, toSqlDate(new Date(nowMs - (i + 1) * 60_000))]);
  const changes = full
    ? Array.from({ length: 5000 }, (_, i) => [siteId, i % 2 ? 'DOWN' : 'UP', i % 2 ? 'UP' : 'DOWN', toSqlDate(new Date(nowMs - (i + 1) * HOUR_MS))])
    : [];
  return { rollups, checks, changes };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-bench-bulk-'));
  const target = http.createServer((_req, res) => res.end('ok'));
  const targetUrl = `http://127.0.0.1:${await listen(target)}/`;
  const config = loadConfig({
    DATABASE_URL: `file:${path.join(dir, 'uptop.db')}`,
    UPTOP_HTTP_HOST: '127.0.0.1',
    UPTOP_HTTP_PORT: '0',
    UPTOP_ADMIN_USER: 'admin',
    UPTOP_ADMIN_PASSWORD: 'bench-password',
    UPTOP_ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'warn',
  });
  // BULK_SEED keeps the seeded file (minutes to make) for the next run, which starts from a copy of it.
  const seed = process.env.BULK_SEED;
  if (seed && fs.existsSync(seed)) fs.copyFileSync(seed, path.join(dir, 'uptop.db'));
  const app = await createApp(config);
  const db = app.deps.writeDb;
  const nowMs = Date.now();
  const seeded = performance.now();
  if (!seed || !fs.existsSync(seed)) await seedFleet();
  const channel = (await db.alertChannel.findFirstOrThrow()).id;
  const ids = (await db.site.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((s) => s.id);
  if (seed && !fs.existsSync(seed)) {
    await db.$executeRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
    fs.copyFileSync(path.join(dir, 'uptop.db'), seed);
  }
  async function seedFleet(): Promise<void> {
    const channel = await db.alertChannel.create({ data: { name: 'hook', provider: 'WEBHOOK', settings: '{}' } });
    await db.site.createMany({
      data: Array.from({ length: SITES }, (_, i) => ({ name: `service ${i}`, type: 'HTTP' as const, url: `${targetUrl}${i}`, interval: 60 })),
    });
    const ids = (await db.site.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((s) => s.id);
    await db.siteAlertChannel.createMany({ data: ids.map((siteId) => ({ siteId, alertChannelId: channel.id })) });
    const sketch: Sketch = {};
    for (let i = 0; i < 60; i++) addTo(sketch, 50 + i);
    const encoded = encodeSketch(sketch);
    for (const [index, siteId] of ids.entries()) {
      const h = history(siteId, nowMs, index === 0);
      await db.$executeRawUnsafe(ROLLUP_INSERT, encoded, JSON.stringify(h.rollups));
      await db.$executeRawUnsafe(CHECK_INSERT, JSON.stringify(h.checks));
      if (h.changes.length) await db.$executeRawUnsafe(CHANGE_INSERT, JSON.stringify(h.changes));
    }
  }
  const count = async () => {
    const [row] = await app.deps.db.$queryRawUnsafe<Record<string, bigint>[]>(
      `SELECT (SELECT count(*) FROM "Site") AS sites, (SELECT count(*) FROM "Check") AS checks, (SELECT count(*) FROM "CheckRollup") AS rollups,
        (SELECT count(*) FROM "StateChange") AS changes, (SELECT count(*) FROM "SiteAlertChannel") AS links, (SELECT count(*) FROM "AlertChannel") AS channels`,
    );
    return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
  };
  console.log(`seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s:`, await count());

  const { port } = await app.start();
  const base = `http://127.0.0.1:${port}`;
  const graphqlUrl = `${base}/graphql`;
  const token = (
    await gql<{ login: { token: string } }>(graphqlUrl, 'mutation($input: LoginInput!) { login(input: $input) { ... on LoginPayload { token } } }', {
      input: { username: 'admin', password: 'bench-password' },
    })
  ).login.token;
  // Let every site be checked once, so the engine runs at its steady pace.
  await new Promise((r) => setTimeout(r, Number(process.env.BULK_WARMUP_MS ?? 70_000)));

  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  async function measure(label: string, run: () => Promise<unknown>): Promise<void> {
    await app.deps.writer.writesDrained();
    const before = app.deps.writer.stats;
    const rows = await count();
    let polling = true;
    let slowest = 0;
    let answers = 0;
    const poller = (async () => {
      while (polling) {
        const t0 = performance.now();
        await fetch(`${base}/healthz`).then((r) => r.arrayBuffer());
        slowest = Math.max(slowest, performance.now() - t0);
        answers++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    let peakRss = process.memoryUsage().rss;
    const rss = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    delay.reset();
    const started = performance.now();
    let outcome: unknown;
    try {
      outcome = await run();
    } catch (err) {
      outcome = `FAILED: ${(err as Error).message.slice(0, 300)}`;
    }
    const took = performance.now() - started;
    const held = delay.max / 1e6;
    polling = false;
    await poller;
    clearInterval(rss);
    await app.deps.writer.writesDrained();
    const after = app.deps.writer.stats;
    console.log(
      `${label}: ${took.toFixed(0)} ms; event loop held at most ${held.toFixed(1)} ms; /healthz slowest ${slowest.toFixed(0)} ms over ${answers}; ` +
        `engine writes ${after.written - before.written}, dropped ${after.droppedTotal - before.droppedTotal}, failed ${after.failedWrites - before.failedWrites}; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
    );
    console.log('  outcome:', String(JSON.stringify(outcome)).slice(0, 300));
    console.log('  before:', JSON.stringify(rows), '\n  after: ', JSON.stringify(await count()));
  }

  const only = process.env.BULK_ONLY?.split(',');
  const want = (name: string) => !only || only.includes(name);
  const mutate = (query: string, input: unknown) => gql(graphqlUrl, query, { input }, token);
  // The engine's own longest hold over as long, for comparison: the operations' figures include it.
  if (want('idle')) await measure('nothing (the engine checking alone, 10 s)', () => new Promise((r) => setTimeout(r, 10_000)));
  if (want('channel'))
    await measure('deleteAlertChannel (linked to every site)', () =>
      mutate('mutation($input: DeleteInput!) { deleteAlertChannel(input: $input) { __typename } }', { id: globalId('AlertChannel', channel) }),
    );
  if (want('site'))
    await measure('deleteSite (full history)', () =>
      mutate('mutation($input: DeleteInput!) { deleteSite(input: $input) { __typename } }', { id: globalId('Site', ids[0]!) }),
    );
  if (want('pause'))
    await measure('setSitePaused x 1,000 (500 paused, then resumed, 50 at a time)', async () => {
      const query = 'mutation($input: SetSitePausedInput!) { setSitePaused(input: $input) { __typename } }';
      const some = ids.slice(1, 501);
      for (const paused of [true, false])
        for (let i = 0; i < some.length; i += 50) await Promise.all(some.slice(i, i + 50).map((id) => mutate(query, { id: globalId('Site', id), paused })));
      return app.deps.engine.siteIds().filter((id) => app.deps.engine.getState(id)?.paused).length;
    });
  if (want('prune'))
    await measure(`applyConfig --prune removing ${SITES - 1_000} sites`, async () => {
      const { exportConfig: yaml } = await gql<{ exportConfig: string }>(graphqlUrl, '{ exportConfig }', {}, token);
      const kept = yaml.split('\n  - name: ').slice(0, 1_001).join('\n  - name: ');
      return mutate(
        'mutation($input: ApplyConfigInput!) { applyConfig(input: $input) { __typename ... on ApplyConfigPayload { summary } ... on Error { message } } }',
        {
          yaml: `${kept}\n`,
          prune: true,
        },
      );
    });
  if (want('import'))
    await measure('backup import (what is left)', async () => {
      const auth = { authorization: `Bearer ${token}` };
      const backup = await fetch(`${base}/api/backup/export?redact_secrets=false`, { headers: auth }).then((r) => r.text());
      const res = await fetch(`${base}/api/backup/import`, { method: 'POST', headers: auth, body: backup });
      return `${res.status} ${await res.text()}`;
    });
  if (want('kuma'))
    await measure('Kuma import of 2,000 monitors', async () => {
      const template = JSON.parse(fs.readFileSync(new URL('../test/fixtures/kuma-1.23.json', import.meta.url), 'utf8'));
      const http0 = template.monitorList.find((m: { type: string }) => m.type === 'http');
      const monitorList = Array.from({ length: 2_000 }, (_, i) => ({
        ...http0,
        id: i + 1,
        name: `kuma ${i}`,
        url: `${targetUrl}k${i}`,
        parent: null,
        notificationIDList: {},
      }));
      const res = await fetch(`${base}/api/import/kuma`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ ...template, notificationList: [], monitorList }),
      });
      return `${res.status} ${(await res.text()).slice(0, 200)}`;
    });
  delay.disable();
  await app.stop();
  target.closeAllConnections();
  await new Promise((r) => target.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
}

await main();
