/**
 * The API under load, on the real app (real SQLite file, engine, writer, yoga, graphql-ws):
 *
 * 1. Query throughput: `sites(first: 50)` with live status fields, as a ratio to a bare graphql-yoga server
 *    answering `{ __typename }` in the same run. Both servers run in this process; one load generator, a child
 *    process (so it does not share the servers' event loop), drives both with the same keep-alive concurrency. Each
 *    server's CPU time per request is printed beside it: on a shared machine throughput moves with the neighbours.
 * 2. Subscription fan-out: 2,000 graphql-ws subscribers on `siteStatusChanged`, each on its own connection, held
 *    by a second child process. A burst of 100 real status changes: 100 HTTP sites whose target starts failing,
 *    checked at once through the engine, which records and publishes each change as in production. Latency is
 *    counted per delivery from the change's `changedAt` to its arrival at the subscriber, until every subscriber
 *    has every event; a delivery that never arrives is counted lost.
 *
 * 3. Metrics scrape: a second app with 10,000 sites (8,000 push monitors that have beaten, 2,000 paused HTTP ones),
 *    `GET /metrics` with a read-only API token, against a bare prom-client registry holding the same per-monitor
 *    series (same names, labels and count, values set once) served by a bare node HTTP server in the same process.
 *    The ratio is of the p50 latencies; `/healthz` on the app is printed beside them as the round trip's floor. Then
 *    the longest the event loop is held while each operation over the whole fleet answers: /metrics, the status
 *    page, its live part and its JSON, the backup export, the config export and a dry-run apply (goal: none over
 *    20 ms).
 *
 * 4. Dashboard (bench/dashboard.ts): 1,000 sites with 30 days of history in the rollup tables; `sites(first: 100)`
 *    with status, 30-day uptime, 24-hour p95 and recent checks, against the same page with `id name` (goal: at most
 *    3 times its p50), through the same load generator: one request at a time (what a person opening the dashboard
 *    waits), then 32 at once (the server saturated), each with the server's CPU time per request; then the page's two
 *    halves one request at a time (its history fields, its recent checks), to tell where its time goes, and the time
 *    JSON.stringify alone takes to write the full page's answer, which no server code can go under.
 *
 * 5. History stall: one busy site with two years of rollups and 5,000 state changes; 20 queries at once of its
 *    2-year SLA and daily latency series, with the event loop's delay measured meanwhile (goal: no stall over 20 ms).
 *
 * `BENCH_ONLY=metrics`, `BENCH_ONLY=dashboard` or `BENCH_ONLY=stall` runs only that part. Last lines: `subscription p99 ms: <number>`
 * (target < 250, and 0 lost), `metrics scrape p50 ratio: <number>`, `dashboard p50 ratio, one request at a time: <number>` and the same 32 at once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createSchema, createYoga } from 'graphql-yoga';
import { Counter, Gauge, Registry } from 'prom-client';
import WebSocket from 'ws';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { decodeId, globalId } from '../src/graphql/ids.ts';
import { dashboardQueries, seedBusySite, seedDashboard } from './dashboard.ts';
import { gql, listen } from './http.ts';

const SITES = 100;
const QUERY_SITES = 50;
const SUBSCRIBERS = 2_000;
/** The subscribers are spread over this many processes, so reading 200,000 messages is not the bottleneck. */
const SUBSCRIBER_PROCESSES = 2;
const CONCURRENCY = 32;
const WARMUP_MS = 2_000;
const MEASURE_MS = 8_000;
/** Longest wait for the burst to reach everyone before the missing deliveries are counted lost. */
const DELIVERY_TIMEOUT_MS = 30_000;
const SYNC_REASON = 'bench-sync';
const METRICS_SITES = 10_000;
const METRICS_HTTP_SITES = 2_000;
const SCRAPE_WARMUP = 3;
const SCRAPES = 30;

const SITES_QUERY = `{ sites(first: ${QUERY_SITES}) { edges { node { id name type url status displayStatus latencyMs statusCode lastCheckAt failureCount inMaintenance } } } }`;
const SUBSCRIPTION = 'subscription { siteStatusChanged { site { id name } change { siteId from to reason changedAt } } }';

// ------------------------------------------------------------------------------------------- child processes

type LoadJob = { url: string; body: string; headers: Record<string, string>; concurrency: number; warmupMs: number; measureMs: number };
/** `completed` counts the warm-up's answers too: with the server's CPU time over the whole job, the CPU per request. */
type LoadResult = { requests: number; completed: number; failures: number; seconds: number; p50: number; p99: number };

type SubscriberCommand = { kind: 'connect'; wsUrl: string; token: string; count: number } | { kind: 'measure'; expected: number; timeoutMs: number };
type SubscriberReport =
  | { kind: 'connected'; ms: number }
  | { kind: 'synced' }
  | { kind: 'measured'; latencies: number[]; firstChangeAt: number; lastArrival: number; busy: number; errors: string[] };

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The median time of one call of `fn`, over 15 rounds of 20 calls after a warm-up: for work measured in process. */
function timePerCall(fn: () => unknown): number {
  for (let i = 0; i < 50; i++) fn();
  const rounds: number[] = [];
  for (let r = 0; r < 15; r++) {
    const started = performance.now();
    for (let i = 0; i < 20; i++) fn();
    rounds.push((performance.now() - started) / 20);
  }
  return percentile(
    rounds.sort((a, b) => a - b),
    50,
  );
}

/** Keeps `concurrency` keep-alive requests in flight, counting only answers that completed inside the window. */
async function runLoad(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(job.body)), ...job.headers };
  const once = () =>
    new Promise<boolean>((resolve) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(res.statusCode === 200 && !text.includes('"errors"')));
      });
      req.on('error', () => resolve(false));
      req.end(job.body);
    });

  const latencies: number[] = [];
  let failures = 0;
  let requests = 0;
  let completed = 0;
  const started = performance.now();
  const measureFrom = started + job.warmupMs;
  const end = measureFrom + job.measureMs;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const ok = await once();
        const t1 = performance.now();
        completed++;
        if (t0 < measureFrom || t1 > end) continue;
        requests++;
        if (!ok) failures++;
        latencies.push(t1 - t0);
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests, completed, failures, seconds: job.measureMs / 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/**
 * Holds a share of the subscribers, each on its own connection speaking graphql-transport-ws (the graphql-ws
 * protocol) over `ws` with nothing but a JSON.parse per message, so the harness costs as little as it can and
 * the figures are the server's. Reports when all are subscribed, when all saw the sync marker, and the burst.
 */
function subscriberChild(): void {
  const sockets: WebSocket[] = [];
  const latencies: number[] = [];
  const errors: string[] = [];
  let syncedClients = 0;
  let firstChangeAt = Infinity;
  let lastArrival = 0;
  const send = (report: SubscriberReport) => process.send!(report);

  function open(url: string, token: string, index: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'graphql-transport-ws');
      sockets.push(ws);
      let synced = false;
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      ws.on('error', (err) => errors.push(`connection ${index}: ${err.message}`));
      ws.on('close', (code) => reject(new Error(`connection ${index} closed with ${code}`)));
      ws.on('message', (data) => {
        const arrived = Date.now();
        const message = JSON.parse(String(data)) as { type: string; payload?: any };
        if (message.type === 'connection_ack') {
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
          resolve();
        } else if (message.type === 'ping') {
          ws.send('{"type":"pong"}');
        } else if (message.type === 'next') {
          const change = message.payload?.data?.siteStatusChanged?.change as { reason: string; changedAt: string } | undefined;
          if (!change) return void errors.push(JSON.stringify(message.payload));
          if (change.reason === SYNC_REASON) {
            if (!synced) {
              synced = true;
              if (++syncedClients === sockets.length) send({ kind: 'synced' });
            }
            return;
          }
          const changedAt = Date.parse(change.changedAt);
          firstChangeAt = Math.min(firstChangeAt, changedAt);
          lastArrival = Math.max(lastArrival, arrived);
          latencies.push(arrived - changedAt);
        } else {
          errors.push(`connection ${index}: ${String(data)}`);
        }
      });
    });
  }

  const handle = async (command: SubscriberCommand) => {
    if (command.kind === 'connect') {
      const started = performance.now();
      for (let batch = 0; batch < command.count; batch += 200) {
        const opened: Promise<void>[] = [];
        for (let i = batch; i < Math.min(command.count, batch + 200); i++) opened.push(open(command.wsUrl, command.token, i));
        await Promise.all(opened);
      }
      send({ kind: 'connected', ms: performance.now() - started });
    } else {
      const deadline = Date.now() + command.timeoutMs;
      const elu = performance.eventLoopUtilization();
      while (latencies.length < command.expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      send({
        kind: 'measured',
        latencies,
        firstChangeAt,
        lastArrival,
        busy: performance.eventLoopUtilization(elu).utilization,
        errors: errors.slice(0, 5),
      });
    }
  };
  process.on('message', (command: SubscriberCommand) => {
    handle(command).catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
}

// ------------------------------------------------------------------------------------------- main process

function startChild(role: 'load' | 'subscribers'): ChildProcess {
  return fork(fileURLToPath(import.meta.url), [`--role=${role}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/**
 * Runs one load job; `cpuMs` is this process's CPU time per answered request. The servers run in this process and the
 * load generator does not, so it is the server's cost of a request, which a busy machine moves far less than it moves
 * throughput (on a shared machine, compare these).
 */
async function measureLoad(load: ChildProcess, job: LoadJob): Promise<LoadResult & { cpuMs: number }> {
  const before = process.cpuUsage();
  load.send(job);
  const result = await nextMessage<LoadResult>(load);
  const used = process.cpuUsage(before);
  return { ...result, cpuMs: (used.user + used.system) / 1000 / result.completed };
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

/** The bench's app config: a fresh SQLite file in `dir`, loopback, an admin to log in as, plus `extra`. */
function benchConfig(dir: string, extra: Record<string, string> = {}) {
  return loadConfig({
    DATABASE_URL: `file:${path.join(dir, 'uptop.db')}`,
    UPTOP_HTTP_HOST: '127.0.0.1',
    UPTOP_HTTP_PORT: '0',
    UPTOP_ADMIN_USER: 'admin',
    UPTOP_ADMIN_PASSWORD: 'bench-password',
    LOG_LEVEL: 'warn',
    ...extra,
  });
}

/** A session token for benchConfig's admin, from a real login. */
async function loginAdmin(graphqlUrl: string): Promise<string> {
  const login = await gql<{ login: { token: string } }>(
    graphqlUrl,
    'mutation($input: LoginInput!) { login(input: $input) { ... on LoginPayload { token } } }',
    { input: { username: 'admin', password: 'bench-password' } },
  );
  return login.login.token;
}

/** A read-only API token named `name`, created with the admin's session. */
async function readOnlyToken(graphqlUrl: string, admin: string, name: string): Promise<string> {
  const created = await gql<{ createApiToken: { token: string } }>(
    graphqlUrl,
    'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { ... on ApiTokenPayload { token } } }',
    { input: { name, readOnly: true } },
    admin,
  );
  return created.createApiToken.token;
}

/** Sequential GETs of `url` (after a warm-up), each read to its end: p50 and p99 in ms, and the last body's size. */
async function timeGets(url: string, headers: Record<string, string>): Promise<{ p50: number; p99: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SCRAPE_WARMUP + SCRAPES; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    const body = await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    if (i >= SCRAPE_WARMUP) times.push(performance.now() - t0);
    bytes = body.byteLength;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), bytes };
}

/** Section 3 (see the top): the cost of a scrape at 10,000 monitors against a bare prom-client registry. */
async function metricsScrape(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-bench-metrics-'));
  const app = await createApp(benchConfig(dir, { UPTOP_STATUS_ENABLED: 'true' }));
  const bareRegistry = new Registry();
  const bareServer = http.createServer((_req, res) => {
    bareRegistry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': bareRegistry.contentType });
      res.end(text);
    });
  });
  try {
    // Seeded before start, in one statement: the engine loads them as it would after a restart.
    const pushTokens = Array.from({ length: METRICS_SITES - METRICS_HTTP_SITES }, (_, i) => i.toString(16).padStart(32, '0'));
    await app.deps.writeDb.site.createMany({
      data: [
        ...pushTokens.map((pushToken, i) => ({ name: `cron job ${i}`, type: 'PUSH' as const, interval: 3600, pushToken })),
        ...Array.from({ length: METRICS_HTTP_SITES }, (_, i) => ({
          name: `service ${i}`,
          type: 'HTTP' as const,
          url: `http://127.0.0.1:1/${i}`,
          paused: true,
        })),
      ],
    });
    const { port } = await app.start();
    // One beat each, in chunks the writer's queue holds: a check row, a state change and a snapshot per beat.
    for (let i = 0; i < pushTokens.length; i += 1000) {
      for (const token of pushTokens.slice(i, i + 1000)) app.deps.engine.heartbeat(token);
      await app.deps.writer.writesDrained();
    }
    const graphqlUrl = `http://127.0.0.1:${port}/graphql`;
    const token = await readOnlyToken(graphqlUrl, await loginAdmin(graphqlUrl), 'prometheus');

    // The baseline: the same per-monitor series in a bare registry, values set once.
    const labelNames = ['id', 'name', 'type'];
    const gauges = ['up', 'latency_seconds', 'check_timestamp_seconds', 'paused', 'maintenance'].map(
      (name) => new Gauge({ name: `uptop_monitor_${name}`, help: name, labelNames, registers: [bareRegistry] }),
    );
    const statusCode = new Gauge({ name: 'uptop_monitor_status_code', help: 'status code', labelNames, registers: [bareRegistry] });
    const counters = ['checks_total', 'checks_up_total'].map(
      (name) => new Counter({ name: `uptop_monitor_${name}`, help: name, labelNames, registers: [bareRegistry] }),
    );
    const ids = app.deps.engine.siteIds().sort((a, b) => a - b);
    for (const id of ids) {
      const state = app.deps.engine.getState(id)!;
      const labels = { id: String(id), name: state.name, type: state.type.toLowerCase() };
      for (const gauge of gauges) gauge.set(labels, 1);
      if (state.type === 'HTTP') statusCode.set(labels, 0);
      for (const counter of counters) counter.inc(labels, state.type === 'PUSH' ? 1 : 0);
    }
    const bareUrl = `http://127.0.0.1:${await listen(bareServer)}/metrics`;

    const auth = { authorization: `Bearer ${token}` };
    const health = await timeGets(`http://127.0.0.1:${port}/healthz`, {});
    const bare = await timeGets(bareUrl, {});
    const scrape = await timeGets(`http://127.0.0.1:${port}/metrics`, auth);
    const open = await timeGets(`http://127.0.0.1:${port}/metrics`, { ...auth, accept: 'application/openmetrics-text;version=1.0.0' });
    const ms = (r: { p50: number; p99: number }) => `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`;
    console.log(
      `metrics: ${ids.length} sites (${METRICS_SITES - METRICS_HTTP_SITES} push monitors that beat, ${METRICS_HTTP_SITES} paused HTTP), ${SCRAPES} sequential scrapes each`,
    );
    console.log(`/healthz: ${ms(health)}`);
    console.log(`bare prom-client registry, same per-monitor series: ${ms(bare)}, ${(bare.bytes / 1024).toFixed(0)} KiB`);
    console.log(`uptop /metrics (Prometheus text): ${ms(scrape)}, ${(scrape.bytes / 1024).toFixed(0)} KiB`);
    console.log(`uptop /metrics (OpenMetrics): ${ms(open)}`);
    console.log(`metrics scrape p50 ratio (uptop / bare registry): ${(scrape.p50 / bare.p50).toFixed(2)}`);
    await fleetRouteHolds(`http://127.0.0.1:${port}`, auth, await loginAdmin(graphqlUrl));
  } finally {
    await app.stop();
    bareServer.closeAllConnections();
    await new Promise((r) => bareServer.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The longest the event loop was held while each operation over the whole fleet answered, one request at a time
 * (goal: none over 20 ms, as for history reads): the routes, then the config export and a dry-run apply of what it
 * gave. The client runs in this process too; what it does per request is small against these bodies' making, so the
 * figure is an upper bound of the server's.
 */
async function fleetRouteHolds(base: string, auth: Record<string, string>, adminToken: string): Promise<void> {
  const get = (route: string, headers: Record<string, string>) => async () => {
    const res = await fetch(base + route, { headers });
    const bytes = (await res.arrayBuffer()).byteLength;
    if (res.status !== 200) throw new Error(`${route}: ${res.status}`);
    return bytes;
  };
  const graphqlUrl = `${base}/graphql`;
  let yaml = '';
  const exportConfig = async () => {
    yaml = (await gql<{ exportConfig: string }>(graphqlUrl, '{ exportConfig }', {}, adminToken)).exportConfig;
    return yaml.length;
  };
  const applyConfig = async () => {
    const apply = 'mutation($input: ApplyConfigInput!) { applyConfig(input: $input) { __typename } }';
    await gql(graphqlUrl, apply, { input: { yaml, dryRun: true } }, adminToken);
    return yaml.length;
  };
  // The backup export's per-address limit is 10 a minute; the config operations are admin work, not polled.
  const operations: [string, () => Promise<number>, number][] = [
    ['/metrics', get('/metrics', auth), SCRAPES],
    ['/status', get('/status', {}), SCRAPES],
    ['/status/live', get('/status/live', {}), SCRAPES],
    ['/status/json', get('/status/json', {}), SCRAPES],
    ['/api/backup/export', get('/api/backup/export', { authorization: `Bearer ${adminToken}` }), 3],
    ['exportConfig', exportConfig, 3],
    ['applyConfig (dry run, its YAML)', applyConfig, 3],
  ];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  try {
    for (const [label, run, times] of operations) {
      await new Promise((r) => setTimeout(r, 200));
      delay.reset();
      let bytes = 0;
      const started = performance.now();
      for (let i = 0; i < times; i++) bytes = await run();
      const each = (performance.now() - started) / times;
      console.log(`fleet ${label}: ${(bytes / 1024).toFixed(0)} KiB in ${each.toFixed(1)} ms; event loop held at most ${(delay.max / 1e6).toFixed(1)} ms`);
    }
  } finally {
    delay.disable();
  }
}

/** Part 4: seeds through one app, then measures a second one on the same file, whose engine loads every site. */
async function dashboard(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-bench-dashboard-'));
  const load = startChild('load');
  try {
    const config = benchConfig(dir);
    const seeding = await createApp(config);
    await seeding.start();
    const nowMs = await seedDashboard(seeding);
    await seeding.stop();
    const app = await createApp(config);
    const { port } = await app.start();
    try {
      const graphqlUrl = `http://127.0.0.1:${port}/graphql`;
      const token = await readOnlyToken(graphqlUrl, await loginAdmin(graphqlUrl), 'dashboard');
      const { full, plain, history, recent } = dashboardQueries(nowMs);
      const sample = await gql<{ sites: { edges: { node: { recentChecks: unknown[]; latency: { p95: number | null }[] } }[] } }>(graphqlUrl, full, {}, token);
      const first = sample.sites.edges[0]!.node;
      if (first.recentChecks.length !== 60 || first.latency[0]?.p95 == null)
        throw new Error(`dashboard seed not visible: ${JSON.stringify(first).slice(0, 200)}`);
      const job = { url: graphqlUrl, headers: { authorization: `Bearer ${token}` }, warmupMs: WARMUP_MS, measureMs: MEASURE_MS };
      const line = (r: LoadResult) =>
        `${(r.requests / r.seconds).toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.failures} failed`;
      // One request at a time: what a person opening the dashboard waits. Then CONCURRENCY at once: the server saturated,
      // where the p50 is mostly queueing and the CPU time per request tells the cost.
      for (const concurrency of [1, CONCURRENCY]) {
        const base = await measureLoad(load, { ...job, concurrency, body: JSON.stringify({ query: plain }) });
        const page = await measureLoad(load, { ...job, concurrency, body: JSON.stringify({ query: full }) });
        const how = concurrency === 1 ? 'one request at a time' : `${concurrency} at once`;
        console.log(`dashboard, ${how}: sites(first: 100) { id name }: ${line(base)}`);
        console.log(`dashboard, ${how}: sites(first: 100) with status, uptime 30 d, p95 24 h, recentChecks: ${line(page)}`);
        console.log(
          `dashboard, ${how}: server CPU per request ${base.cpuMs.toFixed(2)} ms { id name }, ${page.cpuMs.toFixed(2)} ms the full page; ratio ${(page.cpuMs / base.cpuMs).toFixed(2)}`,
        );
        console.log(`dashboard p50 ratio, ${how}: ${(page.p50 / base.p50).toFixed(2)}`);
      }
      // Where the full page's time goes: its history fields without the recent checks, and the recent checks alone.
      const base = await measureLoad(load, { ...job, concurrency: 1, body: JSON.stringify({ query: plain }) });
      for (const [label, query] of [
        ['status, uptime 30 d and p95 24 h, no recentChecks', history],
        ['recentChecks only', recent],
      ] as const) {
        const part = await measureLoad(load, { ...job, concurrency: 1, body: JSON.stringify({ query }) });
        console.log(
          `dashboard part, one request at a time: ${label}: p50 ${part.p50.toFixed(1)} ms (ratio ${(part.p50 / base.p50).toFixed(2)}), server CPU ${part.cpuMs.toFixed(2)} ms (ratio ${(part.cpuMs / base.cpuMs).toFixed(2)})`,
        );
      }
      // A floor no server code can go under: writing the full page's answer as JSON, which every response pays.
      const answer = { data: sample };
      const stringifyMs = timePerCall(() => JSON.stringify(answer));
      console.log(
        `dashboard floor: JSON.stringify of the full page's answer (${(JSON.stringify(answer).length / 1024).toFixed(0)} KiB) alone takes ${stringifyMs.toFixed(2)} ms, ${(stringifyMs / base.p50).toFixed(2)} times the { id name } page's whole p50`,
      );
    } finally {
      await app.stop();
    }
  } finally {
    load.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Part 5: the event loop while 20 long-range history queries run at once. */
async function historyStall(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-bench-stall-'));
  const app = await createApp(benchConfig(dir));
  const { port } = await app.start();
  try {
    const { siteId, nowMs } = await seedBusySite(app);
    const graphqlUrl = `http://127.0.0.1:${port}/graphql`;
    const token = await loginAdmin(graphqlUrl);
    const from = new Date(Math.floor((nowMs - 730 * 24 * 3600_000) / (24 * 3600_000)) * 24 * 3600_000).toISOString();
    const query = `{ site(id: "${globalId('Site', siteId)}") { uptime(from: "${from}") { uptimePercent outageCount } latency(from: "${from}", step: 86400) { p95 } } }`;
    const sample = await gql<{ site: { uptime: { outageCount: number }; latency: unknown[] } }>(graphqlUrl, query, {}, token);
    if (sample.site.latency.length < 730 || sample.site.uptime.outageCount < 2000)
      throw new Error(`busy site not seeded: ${JSON.stringify(sample).slice(0, 200)}`);
    // One histogram for every round, reset between them: a histogram enabled anew counts its first interval wrongly.
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 200));
      delay.reset();
      const started = performance.now();
      await Promise.all(Array.from({ length: 20 }, () => gql(graphqlUrl, query, {}, token)));
      const ms = performance.now() - started;
      console.log(
        `history stall: 20 queries of a 2-year SLA and 730 daily buckets in ${ms.toFixed(0)} ms; event loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`,
      );
    }
  } finally {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_ONLY === 'metrics') return metricsScrape();
  if (process.env.BENCH_ONLY === 'dashboard') return dashboard();
  if (process.env.BENCH_ONLY === 'stall') return historyStall();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-bench-api-'));
  const target = { failing: false };
  const targetServer = http.createServer((_req, res) => {
    res.writeHead(target.failing ? 500 : 200);
    res.end(target.failing ? 'down' : 'ok');
  });
  const targetUrl = `http://127.0.0.1:${await listen(targetServer)}/`;

  const config = benchConfig(dir, {
    UPTOP_ALLOW_PRIVATE_TARGETS: 'true',
    // Thousands of dashboards as one user from one address: the per-user and per-IP socket limits are not measured here.
    UPTOP_WS_PER_USER: '100000',
    UPTOP_WS_PER_IP: '100000',
  });
  const app = await createApp(config);
  const { port } = await app.start();
  const graphqlUrl = `http://127.0.0.1:${port}/graphql`;

  const bare = createYoga({ schema: createSchema({ typeDefs: 'type Query { hello: String }' }), logging: false, graphiql: false });
  const bareServer = http.createServer(bare);
  const bareUrl = `http://127.0.0.1:${await listen(bareServer)}/graphql`;

  const children: ChildProcess[] = [];
  try {
    // Seed: sites created through the API, each checked at once by the engine against the local target.
    const admin = await loginAdmin(graphqlUrl);
    const siteIds: number[] = [];
    for (let i = 0; i < SITES; i++) {
      const created = await gql<{ createSite: { site: { id: string } } }>(
        graphqlUrl,
        'mutation($input: CreateSiteInput!) { createSite(input: $input) { ... on SitePayload { site { id } } ... on Error { message } } }',
        { input: { name: `service ${i}`, type: 'HTTP', url: `${targetUrl}${i}`, interval: 3600 } },
        admin,
      );
      siteIds.push(decodeId(created.createSite.site.id, 'Site')!);
    }
    await Promise.all(siteIds.map((id) => app.deps.engine.checkNow(id)));
    const up = app.deps.engine.status().up;
    if (up !== SITES) throw new Error(`expected ${SITES} sites UP before measuring, found ${up}`);
    const apiToken = await readOnlyToken(graphqlUrl, admin, 'bench');

    // (1) Throughput.
    const load = startChild('load');
    children.push(load);
    const job = { concurrency: CONCURRENCY, warmupMs: WARMUP_MS, measureMs: MEASURE_MS };
    const baseline = await measureLoad(load, { ...job, url: bareUrl, body: JSON.stringify({ query: '{ __typename }' }), headers: {} });
    const real = await measureLoad(load, {
      ...job,
      url: graphqlUrl,
      body: JSON.stringify({ query: SITES_QUERY }),
      headers: { authorization: `Bearer ${apiToken}` },
    });
    load.kill();
    const rate = (r: LoadResult) => r.requests / r.seconds;
    console.log(`load generator: child process, ${CONCURRENCY} keep-alive connections, ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured`);
    console.log(
      `bare yoga { __typename }: ${rate(baseline).toFixed(0)} req/s, p50 ${baseline.p50.toFixed(1)} ms, p99 ${baseline.p99.toFixed(1)} ms, ${baseline.failures} failed`,
    );
    console.log(
      `uptop sites(first: ${QUERY_SITES}) with status: ${rate(real).toFixed(0)} req/s, p50 ${real.p50.toFixed(1)} ms, p99 ${real.p99.toFixed(1)} ms, ${real.failures} failed`,
    );
    console.log(
      `server CPU per request: bare yoga ${baseline.cpuMs.toFixed(3)} ms, uptop sites ${real.cpuMs.toFixed(3)} ms; CPU ratio (bare / uptop): ${(baseline.cpuMs / real.cpuMs).toFixed(3)}`,
    );
    console.log(`query throughput ratio (uptop / bare): ${(rate(real) / rate(baseline)).toFixed(3)}`);

    // (2) Subscription fan-out.
    const perProcess = SUBSCRIBERS / SUBSCRIBER_PROCESSES;
    const holders = Array.from({ length: SUBSCRIBER_PROCESSES }, () => startChild('subscribers'));
    children.push(...holders);
    const fromAll = <T>() => Promise.all(holders.map((h) => nextMessage<T>(h)));
    const connected = fromAll<Extract<SubscriberReport, { kind: 'connected' }>>();
    for (const h of holders)
      h.send({ kind: 'connect', wsUrl: `ws://127.0.0.1:${port}/graphql`, token: apiToken, count: perProcess } satisfies SubscriberCommand);
    const connectMs = Math.max(...(await connected).map((c) => c.ms));
    console.log(`${SUBSCRIBERS} graphql-ws subscribers (${SUBSCRIBER_PROCESSES} child processes) connected and subscribed in ${connectMs.toFixed(0)} ms`);

    // No acknowledgement tells that a subscription is listening, so a marker is published until all have it.
    const synced = fromAll<SubscriberReport>();
    const marker = setInterval(() => {
      app.deps.pubsub.publish('site:statusChanged', { siteId: siteIds[0]!, from: 'UP', to: 'UP', reason: SYNC_REASON, changedAt: new Date() });
    }, 250);
    await synced;
    clearInterval(marker);
    // Let the last markers drain before the burst.
    await new Promise((r) => setTimeout(r, 1_000));

    const expected = SUBSCRIBERS * SITES;
    const measured = fromAll<Extract<SubscriberReport, { kind: 'measured' }>>();
    for (const h of holders) h.send({ kind: 'measure', expected: perProcess * SITES, timeoutMs: DELIVERY_TIMEOUT_MS } satisfies SubscriberCommand);
    target.failing = true;
    const serverElu = performance.eventLoopUtilization();
    const burstStarted = performance.now();
    await Promise.all(siteIds.map((id) => app.deps.engine.checkNow(id)));
    const burstMs = performance.now() - burstStarted;
    const reports = await measured;
    const serverBusy = performance.eventLoopUtilization(serverElu).utilization;
    const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const spanMs = Math.max(...reports.map((r) => r.lastArrival)) - Math.min(...reports.map((r) => r.firstChangeAt));
    const p99 = percentile(latencies, 99);
    console.log(`burst: ${app.deps.engine.status().down} of ${SITES} sites turned DOWN through real checks in ${burstMs.toFixed(0)} ms`);
    console.log(`deliveries: ${latencies.length} of ${expected}, lost ${expected - latencies.length}; the last arrived ${spanMs} ms after the first change`);
    console.log(
      `event loop busy during delivery: server ${(serverBusy * 100).toFixed(0)}%, subscriber processes ${reports.map((r) => `${(r.busy * 100).toFixed(0)}%`).join(' ')}`,
    );
    const errors = reports.flatMap((r) => r.errors);
    if (errors.length) console.log(`subscriber errors (first 5 per process): ${errors.join(' | ')}`);
    console.log(`subscription latency: p50 ${percentile(latencies, 50)} ms, p99 ${p99} ms, max ${latencies.at(-1)} ms`);
    console.log(`subscription p99 ms: ${p99}`);
  } finally {
    // The server first, so subscribers get their 1001 close rather than seeing their peer vanish.
    await app.stop();
    for (const child of children) if (child.exitCode === null) child.kill();
    bareServer.closeAllConnections();
    await new Promise((r) => bareServer.close(r));
    await bare.dispose();
    targetServer.closeAllConnections();
    await new Promise((r) => targetServer.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await metricsScrape();
  await dashboard();
  await historyStall();
}

const role = process.argv.find((a) => a.startsWith('--role='))?.slice('--role='.length);
if (role === 'load') {
  process.on('message', (job: LoadJob) => {
    runLoad(job).then(
      (result) => process.send!(result),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
} else if (role === 'subscribers') {
  subscriberChild();
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
