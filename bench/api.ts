/**
 * The API under load, on the real app (real SQLite file, engine, writer, yoga, graphql-ws):
 *
 * 1. Query throughput: `sites(first: 50)` with live status fields, as a ratio to a bare graphql-yoga server
 *    answering `{ __typename }` in the same run. Both servers run in this process; one load generator, a child
 *    process (so it does not share the servers' event loop), drives both with the same keep-alive concurrency.
 * 2. Subscription fan-out: 2,000 graphql-ws subscribers on `siteStatusChanged`, each on its own connection, held
 *    by a second child process. A burst of 100 real status changes: 100 HTTP sites whose target starts failing,
 *    checked at once through the engine, which records and publishes each change as in production. Latency is
 *    counted per delivery from the change's `changedAt` to its arrival at the subscriber, until every subscriber
 *    has every event; a delivery that never arrives is counted lost.
 *
 * Last line: `subscription p99 ms: <number>` (target < 250, and 0 lost).
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import { createSchema, createYoga } from 'graphql-yoga';
import WebSocket from 'ws';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { decodeId } from '../src/graphql/ids.ts';

const SITES = 100;
const QUERY_SITES = 50;
const SUBSCRIBERS = 2_000;
const CONCURRENCY = 32;
const WARMUP_MS = 2_000;
const MEASURE_MS = 8_000;
/** Longest wait for the burst to reach everyone before the missing deliveries are counted lost. */
const DELIVERY_TIMEOUT_MS = 30_000;
const SYNC_REASON = 'bench-sync';

const SITES_QUERY = `{ sites(first: ${QUERY_SITES}) { edges { node { id name type url status displayStatus latencyMs statusCode lastCheckAt failureCount inMaintenance } } } }`;
const SUBSCRIPTION = 'subscription { siteStatusChanged { site { id name } change { siteId from to reason changedAt } } }';

// ------------------------------------------------------------------------------------------- child processes

type LoadJob = { url: string; body: string; headers: Record<string, string>; concurrency: number; warmupMs: number; measureMs: number };
type LoadResult = { requests: number; failures: number; seconds: number; p50: number; p99: number };

type SubscriberCommand = { kind: 'connect'; wsUrl: string; token: string; count: number } | { kind: 'measure'; expected: number; timeoutMs: number };
type SubscriberReport =
  | { kind: 'connected'; ms: number }
  | { kind: 'synced' }
  | { kind: 'measured'; received: number; p50: number; p99: number; max: number; spanMs: number; busy: number; errors: string[] };

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
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
  const started = performance.now();
  const measureFrom = started + job.warmupMs;
  const end = measureFrom + job.measureMs;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const ok = await once();
        const t1 = performance.now();
        if (t0 < measureFrom || t1 > end) continue;
        requests++;
        if (!ok) failures++;
        latencies.push(t1 - t0);
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests, failures, seconds: job.measureMs / 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Holds the subscribers; reports when all are connected, when all saw the sync marker, and the burst's figures. */
function subscriberChild(): void {
  const clients: Client[] = [];
  const latencies: number[] = [];
  const errors: string[] = [];
  const syncedClients = new Set<number>();
  let firstChangeAt = Infinity;
  let lastArrival = 0;
  let synced = false;
  const send = (report: SubscriberReport) => process.send!(report);

  const handle = async (command: SubscriberCommand) => {
    if (command.kind === 'connect') {
      const started = performance.now();
      for (let batch = 0; batch < command.count; batch += 200) {
        const opened: Promise<void>[] = [];
        for (let i = batch; i < Math.min(command.count, batch + 200); i++) {
          const index = i;
          const client = createClient({
            url: command.wsUrl,
            webSocketImpl: WebSocket,
            retryAttempts: 0,
            lazy: false,
            onNonLazyError: (err) => errors.push(`connection ${index}: ${String(err)}`),
            connectionParams: { authorization: `Bearer ${command.token}` },
          });
          clients.push(client);
          opened.push(
            new Promise<void>((resolve, reject) => {
              client.on('connected', () => resolve());
              client.on('closed', (event) => reject(new Error(`connection ${index} closed: ${(event as { code?: number }).code}`)));
            }),
          );
          client.subscribe(
            { query: SUBSCRIPTION },
            {
              next: (result) => {
                const arrived = Date.now();
                const change = (result.data as { siteStatusChanged?: { change: { reason: string; changedAt: string } } } | null)?.siteStatusChanged?.change;
                if (!change) return void errors.push(JSON.stringify(result.errors ?? result));
                if (change.reason === SYNC_REASON) {
                  syncedClients.add(index);
                  if (!synced && syncedClients.size === command.count) {
                    synced = true;
                    send({ kind: 'synced' });
                  }
                  return;
                }
                const changedAt = Date.parse(change.changedAt);
                firstChangeAt = Math.min(firstChangeAt, changedAt);
                lastArrival = Math.max(lastArrival, arrived);
                latencies.push(arrived - changedAt);
              },
              error: (err) => errors.push(`subscription ${index}: ${JSON.stringify(err)}`),
              complete: () => undefined,
            },
          );
        }
        await Promise.all(opened);
      }
      send({ kind: 'connected', ms: performance.now() - started });
    } else {
      const deadline = Date.now() + command.timeoutMs;
      const elu = performance.eventLoopUtilization();
      while (latencies.length < command.expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      latencies.sort((a, b) => a - b);
      send({
        kind: 'measured',
        received: latencies.length,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? Number.NaN,
        spanMs: lastArrival - firstChangeAt,
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

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function gql<T>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data || body.errors) throw new Error(`${query.slice(0, 40)}...: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-bench-api-'));
  const target = { failing: false };
  const targetServer = http.createServer((_req, res) => {
    res.writeHead(target.failing ? 500 : 200);
    res.end(target.failing ? 'down' : 'ok');
  });
  const targetUrl = `http://127.0.0.1:${await listen(targetServer)}/`;

  const config = loadConfig({
    DATABASE_URL: `file:${path.join(dir, 'uptop.db')}`,
    UPTOP_HTTP_HOST: '127.0.0.1',
    UPTOP_HTTP_PORT: '0',
    UPTOP_ADMIN_USER: 'admin',
    UPTOP_ADMIN_PASSWORD: 'bench-password',
    UPTOP_ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'warn',
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
    const login = await gql<{ login: { token: string } }>(
      graphqlUrl,
      'mutation($input: LoginInput!) { login(input: $input) { ... on LoginPayload { token } } }',
      { input: { username: 'admin', password: 'bench-password' } },
    );
    const admin = login.login.token;
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
    const apiToken = (
      await gql<{ createApiToken: { token: string } }>(
        graphqlUrl,
        'mutation { createApiToken(input: { name: "bench", readOnly: true }) { ... on ApiTokenPayload { token } } }',
        {},
        admin,
      )
    ).createApiToken.token;

    // (1) Throughput.
    const load = startChild('load');
    children.push(load);
    const job = { concurrency: CONCURRENCY, warmupMs: WARMUP_MS, measureMs: MEASURE_MS };
    load.send({ ...job, url: bareUrl, body: JSON.stringify({ query: '{ __typename }' }), headers: {} } satisfies LoadJob);
    const baseline = await nextMessage<LoadResult>(load);
    load.send({ ...job, url: graphqlUrl, body: JSON.stringify({ query: SITES_QUERY }), headers: { authorization: `Bearer ${apiToken}` } } satisfies LoadJob);
    const real = await nextMessage<LoadResult>(load);
    load.kill();
    const rate = (r: LoadResult) => r.requests / r.seconds;
    console.log(`load generator: child process, ${CONCURRENCY} keep-alive connections, ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured`);
    console.log(
      `bare yoga { __typename }: ${rate(baseline).toFixed(0)} req/s, p50 ${baseline.p50.toFixed(1)} ms, p99 ${baseline.p99.toFixed(1)} ms, ${baseline.failures} failed`,
    );
    console.log(
      `uptop sites(first: ${QUERY_SITES}) with status: ${rate(real).toFixed(0)} req/s, p50 ${real.p50.toFixed(1)} ms, p99 ${real.p99.toFixed(1)} ms, ${real.failures} failed`,
    );
    console.log(`query throughput ratio (uptop / bare): ${(rate(real) / rate(baseline)).toFixed(3)}`);

    // (2) Subscription fan-out.
    const subscribers = startChild('subscribers');
    children.push(subscribers);
    subscribers.send({ kind: 'connect', wsUrl: `ws://127.0.0.1:${port}/graphql`, token: apiToken, count: SUBSCRIBERS } satisfies SubscriberCommand);
    const connected = await nextMessage<Extract<SubscriberReport, { kind: 'connected' }>>(subscribers);
    console.log(`${SUBSCRIBERS} graphql-ws subscribers connected in ${connected.ms.toFixed(0)} ms (child process)`);

    // No acknowledgement tells that a subscription is listening, so a marker is published until all have it.
    const synced = nextMessage<SubscriberReport>(subscribers);
    const marker = setInterval(() => {
      app.deps.pubsub.publish('site:statusChanged', { siteId: siteIds[0]!, from: 'UP', to: 'UP', reason: SYNC_REASON, changedAt: new Date() });
    }, 250);
    await synced;
    clearInterval(marker);
    // Let the last markers drain before the burst.
    await new Promise((r) => setTimeout(r, 1_000));

    const expected = SUBSCRIBERS * SITES;
    const measured = nextMessage<Extract<SubscriberReport, { kind: 'measured' }>>(subscribers);
    subscribers.send({ kind: 'measure', expected, timeoutMs: DELIVERY_TIMEOUT_MS } satisfies SubscriberCommand);
    target.failing = true;
    const serverElu = performance.eventLoopUtilization();
    const burstStarted = performance.now();
    await Promise.all(siteIds.map((id) => app.deps.engine.checkNow(id)));
    const burstMs = performance.now() - burstStarted;
    const result = await measured;
    const serverBusy = performance.eventLoopUtilization(serverElu).utilization;
    const down = app.deps.engine.status().down;
    console.log(`burst: ${down} of ${SITES} sites turned DOWN through real checks in ${burstMs.toFixed(0)} ms`);
    console.log(`deliveries: ${result.received} of ${expected}, lost ${expected - result.received}; all delivered ${result.spanMs} ms after the first change`);
    console.log(`event loop busy during delivery: server ${(serverBusy * 100).toFixed(0)}%, subscriber process ${(result.busy * 100).toFixed(0)}%`);
    if (result.errors.length) console.log(`subscriber errors (first 5): ${result.errors.join(' | ')}`);
    console.log(`subscription latency: p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms`);
    console.log(`subscription p99 ms: ${result.p99}`);
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
