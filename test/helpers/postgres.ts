/**
 * A throwaway PostgreSQL 15 cluster for tests (STACK.md "Services for tests"): `initdb` in a temporary directory,
 * started by `pg_ctl` on a free loopback port with its socket in that directory, stopped by its postmaster's pid and
 * removed afterwards. Each test takes a fresh database of its own with `createDatabase()`, which is one
 * `CREATE DATABASE` (optionally copied from a migrated template), so a cluster serves a whole run.
 *
 * Two ways to use it:
 * - a vitest globalSetup calls `startPostgres()`, provides `server.url`, and a test calls `createDatabase(url)`;
 * - a single test file calls `usePostgres()` at its top level: one cluster for that file, stopped after it.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { closedPort } from './targets.ts';

const run = promisify(execFile);
const BIN = process.env.UPTOP_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** PostgreSQL refuses to run as root, so as root the cluster belongs to Debian's `postgres` user. */
const RUN_AS = process.getuid?.() === 0 ? 'postgres' : undefined;
const STOP_TIMEOUT_MS = 30_000;

export interface PostgresServer {
  /** URL of the cluster's `postgres` database, as its superuser: where databases are created from. */
  url: string;
  port: number;
  /** A fresh empty database (or a copy of `template`); its URL. */
  createDatabase(options?: CreateDatabaseOptions): Promise<string>;
  /** Stops the postmaster and removes the cluster's directory. Idempotent. */
  stop(): Promise<void>;
  /** Stops the postmaster (fast shutdown: sessions end) but keeps the cluster and its port, as a PostgreSQL that went away. */
  down(): Promise<void>;
  /** Starts it again after `down`, on the same port with the same data, as a PostgreSQL that came back. */
  up(): Promise<void>;
}

export interface CreateDatabaseOptions {
  /** Copy this database (by name or URL) instead of the empty `template0`; nobody may be connected to it. */
  template?: string;
}

async function as(command: string, args: string[]): Promise<void> {
  const [file, argv] = RUN_AS ? ['runuser', ['-u', RUN_AS, '--', command, ...args]] : [command, args];
  await run(file, argv);
}

/** Initialises and starts a cluster; retried on another port if the one picked was taken meanwhile. */
export async function startPostgres(): Promise<PostgresServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-pg-'));
  if (RUN_AS) await run('chown', [RUN_AS, dir]);
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'postgres.log');
  try {
    await as(path.join(BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    // -l keeps the postmaster's output out of pg_ctl's pipes, which would otherwise stay open for its whole life.
    const postmaster = (port: number) =>
      as(path.join(BIN, 'pg_ctl'), [
        '-D',
        data,
        '-l',
        log,
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
        '-w',
        'start',
      ]);
    const pidOf = () => Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await closedPort();
      try {
        await postmaster(port);
        break;
      } catch (err) {
        if (attempt === 3) throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${readTail(log)}`);
      }
    }
    let pid = pidOf();
    // If the test process dies without its teardown, the postmaster must not outlive it.
    const onExit = () => kill(pid, 'SIGQUIT');
    process.once('exit', onExit);
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    let stopped: Promise<void> | undefined;
    return {
      url,
      port,
      createDatabase: (options) => createDatabase(url, options),
      stop() {
        stopped ??= (async () => {
          process.off('exit', onExit);
          await stopPostmaster(pid);
          fs.rmSync(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
      down: () => stopPostmaster(pid),
      async up() {
        await postmaster(port);
        pid = pidOf();
      },
    };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function readTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '';
  }
}

function kill(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Fast shutdown (SIGINT: ends sessions, checkpoints, exits). The postmaster is pg_ctl's child, not ours, so its exit is
 * seen by signal 0 failing once it is gone.
 */
async function stopPostmaster(pid: number): Promise<void> {
  if (!kill(pid, 'SIGINT')) return;
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (kill(pid, 0)) {
    if (Date.now() > deadline) {
      kill(pid, 'SIGKILL');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The database a URL names (its path), e.g. to use a migrated database as a template. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** Replaces the database of a cluster URL. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Creates a database with a random name on the cluster at `serverUrl` and returns its URL. */
export async function createDatabase(serverUrl: string, options: CreateDatabaseOptions = {}): Promise<string> {
  const name = `uptop_${crypto.randomBytes(6).toString('hex')}`;
  const template = options.template === undefined ? 'template0' : options.template.includes('://') ? databaseName(options.template) : options.template;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
  } finally {
    await client.end();
  }
  return withDatabase(serverUrl, name);
}

/** Drops a database made by `createDatabase`, ending its sessions first (a test's app may still hold some). */
export async function dropDatabase(serverUrl: string, url: string): Promise<void> {
  await pgQuery(serverUrl, `DROP DATABASE IF EXISTS ${quoteIdent(databaseName(url))} WITH (FORCE)`);
}

/** Runs one statement (or, without params, several) on its own connection: for a test's set-up and assertions. */
export async function pgQuery<T = Record<string, unknown>>(url: string, sql: string, params?: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * One cluster for the calling test file: started before its tests, stopped after them. The returned object's
 * `createDatabase` may be called from any test (not at collection time).
 */
export function usePostgres(): { readonly server: PostgresServer; createDatabase(options?: CreateDatabaseOptions): Promise<string> } {
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.stop());
  const started = () => {
    if (!server) throw new Error('usePostgres(): the cluster starts in beforeAll; call createDatabase from a test or a hook');
    return server;
  };
  return {
    get server() {
      return started();
    },
    createDatabase: (options) => started().createDatabase(options),
  };
}
