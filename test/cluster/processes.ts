/**
 * Several uptop servers as real processes on one PostgreSQL and one Redis, and a target that logs when each site was
 * checked: what the three-instance test and `npm run bench:cluster` both run. Nothing here depends on vitest, so the
 * bench uses it as it is; callers stop what they start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseGlobalId } from '../helpers/ids.ts';
import { startHttpTarget, type HttpTarget } from '../helpers/targets.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/uptop.js');
/** How long a start (migrations, the first lease round, the site load) may take on a busy 2-core machine. */
const START_TIMEOUT_MS = 60_000;

export const ADMIN = { username: 'admin', password: 'cluster-admin-password' };

export interface Installation {
  databaseUrl: string;
  redisUrl: string;
}

export interface Instance {
  id: string;
  child: ChildProcess;
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  /** What it logged so far (pino JSON lines). */
  readonly log: string;
  /** Resolves with the exit code or signal once the process has ended. */
  readonly exited: Promise<number | string | null>;
  /** SIGKILL: the process dies without giving anything back, as a crashed machine does. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful stop (its leases go back at once). */
  stop(): Promise<void>;
}

/**
 * Starts `node bin/uptop.js serve` as instance `id` of the installation, on 127.0.0.1 and an ephemeral port, and
 * resolves once it logs that it listens (it joins the cluster before that). Only the variables given reach it.
 */
export async function startInstance(installation: Installation, id: string, env: Record<string, string> = {}): Promise<Instance> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: os.tmpdir(),
      LOG_LEVEL: 'info',
      DATABASE_URL: installation.databaseUrl,
      UPTOP_REDIS_URL: installation.redisUrl,
      UPTOP_INSTANCE_ID: id,
      UPTOP_HTTP_HOST: '127.0.0.1',
      UPTOP_HTTP_PORT: '0',
      UPTOP_ALLOW_PRIVATE_TARGETS: 'true',
      UPTOP_ADMIN_USER: ADMIN.username,
      UPTOP_ADMIN_PASSWORD: ADMIN.password,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${id} did not listen within ${START_TIMEOUT_MS} ms:\n${stderr}${log}`)), START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      // The server logs its port at info level (the level set above) once it listens.
      const listening = /"port":(\d+)[^\n]*"msg":"listening"/.exec(log);
      if (listening) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`instance ${id} exited (${code}) before listening:\n${stderr}${log}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  const ended = () => child.exitCode !== null || child.signalCode !== null;
  const url = `http://127.0.0.1:${port}`;
  return {
    id,
    child,
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    get log() {
      return log;
    },
    exited,
    async kill() {
      if (!ended()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!ended()) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One GraphQL request; throws on transport or GraphQL errors, answers `data`. */
export async function graphql<T = Record<string, any>>(instance: Pick<Instance, 'graphqlUrl'>, query: string, variables?: object, token?: string): Promise<T> {
  const res = await fetch(instance.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (!res.ok || body.errors?.length || !body.data) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body)}`);
  return body.data;
}

/** Signs the seeded admin in on `instance`; answers the bearer token (valid on every instance: sessions are rows). */
export async function signIn(instance: Instance): Promise<string> {
  const data = await graphql<{ login: { token?: string } }>(
    instance,
    'mutation($input: LoginInput!) { login(input: $input) { __typename ... on LoginPayload { token } } }',
    { input: ADMIN },
  );
  if (!data.login.token) throw new Error(`login refused: ${JSON.stringify(data)}`);
  return data.login.token;
}

const CREATE_SITE = 'mutation($input: CreateSiteInput!) { createSite(input: $input) { __typename ... on SitePayload { site { id } } } }';

/** A site as the API names it (`gid`) and as the database and the lease slots do (`id`). */
export interface CreatedSite {
  id: number;
  gid: string;
}

/** Creates an HTTP site. */
export async function createHttpSite(instance: Instance, token: string, input: Record<string, unknown>): Promise<CreatedSite> {
  const data = await graphql<{ createSite: { __typename: string; site?: { id: string } } }>(
    instance,
    CREATE_SITE,
    { input: { type: 'HTTP', ...input } },
    token,
  );
  if (!data.createSite.site) throw new Error(`createSite refused: ${JSON.stringify(data)}`);
  const gid = data.createSite.site.id;
  return { id: Number(parseGlobalId(gid).id), gid };
}

export interface ClusterView {
  instanceId: string;
  members: string[];
  slotsHeld: number;
}

/** `engineStatus.cluster` as `instance` reports it. */
export async function clusterView(instance: Instance, token: string): Promise<ClusterView> {
  const data = await graphql<{ engineStatus: { cluster: ClusterView } }>(instance, '{ engineStatus { cluster { instanceId members slotsHeld } } }', {}, token);
  return data.engineStatus.cluster;
}

/**
 * An HTTP target that notes when each path was requested (`/s/<key>` for site `key`), on the wall clock. Paths
 * without a handler of their own answer 200.
 */
export interface HitTarget {
  target: HttpTarget;
  /** The base URL, with a trailing slash. */
  url: string;
  /** Request times (ms since the epoch) per path, in arrival order. */
  hits: Map<string, number[]>;
  /** Answers `path` with this status from now on (200 unless set). */
  setStatus(path: string, status: number): void;
  close(): Promise<void>;
}

export async function startHitTarget(): Promise<HitTarget> {
  const target = await startHttpTarget({ record: false });
  const hits = new Map<string, number[]>();
  const statuses = new Map<string, number>();
  target.handle((req, res) => {
    const at = Date.now();
    const p = req.url ?? '/';
    let times = hits.get(p);
    if (!times) hits.set(p, (times = []));
    times.push(at);
    res.writeHead(statuses.get(p) ?? 200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  return {
    target,
    url: target.url,
    hits,
    setStatus: (p, status) => void statuses.set(p, status),
    close: () => target.close(),
  };
}

/** The requests of `path` in [fromMs, toMs). */
export function hitsBetween(target: HitTarget, p: string, fromMs: number, toMs: number): number[] {
  return (target.hits.get(p) ?? []).filter((t) => t >= fromMs && t < toMs);
}

/** The longest time between consecutive requests of `path` in [fromMs, toMs], counting from `fromMs` and to `toMs`. */
export function longestGap(target: HitTarget, p: string, fromMs: number, toMs: number): number {
  const times = [fromMs, ...hitsBetween(target, p, fromMs, toMs), toMs];
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  return longest;
}

/** The shortest time between consecutive requests of `path` in [fromMs, toMs). */
export function shortestGap(target: HitTarget, p: string, fromMs: number, toMs: number): number {
  const times = hitsBetween(target, p, fromMs, toMs);
  let shortest = Infinity;
  for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, times[i]! - times[i - 1]!);
  return shortest;
}
