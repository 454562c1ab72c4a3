import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import type { FakeClock } from '../../src/clock.ts';
import type { TestApp } from '../helpers/app.ts';

export const BIN = path.resolve(import.meta.dirname, '../../bin/uptop.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Only what the command needs: the test runner's own UPTOP_* or DATABASE_URL must not leak into it. */
function envOf(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: os.tmpdir(), LOG_LEVEL: 'warn', ...env };
}

/**
 * Runs `node bin/uptop.js ...args` to its end, in `cwd` (default: the test's); `input` is its stdin, which is closed
 * either way (no prompt waits).
 */
export function uptop(args: string[], env: Record<string, string>, input = '', cwd?: string): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], { env: envOf(env), stdio: ['pipe', 'pipe', 'pipe'], cwd });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface Server {
  url: string;
  child: ChildProcess;
  /** What it logged on stdout so far (pino JSON lines). */
  readonly log: string;
  /** Resolves once it has logged a line with this `msg`: what it does after listening (seeding the demo) is logged. */
  logged(msg: string): Promise<LogEntry>;
  /** SIGTERM, then resolves with the exit code once it has stopped. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node bin/uptop.js ...args` (a server: `serve`, or no command) on 127.0.0.1 and an ephemeral port, and
 * resolves once it logs that it listens. Killed when the test ends if still running.
 */
export async function serve(args: string[], env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: envOf({ UPTOP_HTTP_HOST: '127.0.0.1', UPTOP_HTTP_PORT: '0', LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let log = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const logged = (msg: string) =>
    new Promise<LogEntry>((resolve, reject) => {
      const look = () => {
        const entry = logEntries(log).find((e) => e.msg === msg);
        if (!entry) return;
        child.stdout!.off('data', look);
        resolve(entry);
      };
      child.stdout!.on('data', look);
      look();
      void exited.then((code) => reject(new Error(`uptop serve exited with ${code} before logging "${msg}": ${stderr}${log}`)));
    });
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const { port } = await logged('listening');
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    get log() {
      return log;
    },
    logged,
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

type LogEntry = { msg?: string; port?: number; level?: number };

/** The complete JSON lines of a pino log (the last line may still be arriving). */
export function logEntries(log: string): LogEntry[] {
  return log
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as LogEntry);
}

/** A directory of the test's own, removed when it ends. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-cli-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** POSTs a GraphQL operation to a server; `token` as a bearer token. */
export async function graphql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<any> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
}

/** Lets an in-process server's change watcher poll once (one second of its fake clock) and apply what it found. */
export async function pollChanges(t: TestApp): Promise<void> {
  await (t.clock as FakeClock).advanceAsync(1000);
  await t.app.deps.changes.idle();
}
