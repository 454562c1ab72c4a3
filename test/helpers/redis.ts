/**
 * A throwaway Redis for the tests of several instances (STACK.md "Services for tests"): Debian's `redis-server` on
 * 127.0.0.1 and a free port, in a temporary directory, with no persistence, never the system's 6379.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { closedPort } from './targets.ts';

const HOST = '127.0.0.1';
/** How long a start may take before it counts as failed (the first start on a busy machine is the slow one). */
const START_TIMEOUT_MS = 15_000;
/** Starts tried when the free port was taken between finding it and Redis binding it. */
const START_ATTEMPTS = 5;

export interface TestRedis {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Stops the server for good and removes its directory; resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server but keeps its port, as a Redis that went away (SIGTERM: clients see their connections close). */
  down(): Promise<void>;
  /** Starts it again on the same port after `down`, empty, as a Redis that came back. */
  up(): Promise<void>;
  /** How many connections subscribe to `channel` now (PUBSUB NUMSUB): a subscription is live once Redis counts it. */
  subscribers(channel: string): Promise<number>;
}

/** Starts redis-server and resolves once it accepts connections (it says so on stdout); rejects with its output if it exits or hangs. */
function launch(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', '', '--loglevel', 'notice'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} ${why}:\n${output}`));
    };
    const timer = setTimeout(() => fail(`did not answer within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        // Later output is not needed; reading it keeps the pipe from filling.
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err) => fail(`could not be run (${err.message}); install Debian's redis-server`));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before it was ready`));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a Redis of the caller's own; the caller stops it (`afterAll`), which also removes its directory. */
export async function startRedis(): Promise<TestRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-redis-'));
  let port = 0;
  let child: ChildProcess | null = null;
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS && !child; attempt++) {
    port = await closedPort();
    child = await launch(dir, port).catch((err: unknown) => {
      lastError = err;
      return null;
    });
  }
  if (!child) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }
  // A test process that dies without its afterAll must not leave a server behind.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  // The test's own connection, for PUBSUB questions; made when first asked, it does not count as a subscriber.
  let probe: Redis | null = null;
  const down = async () => {
    probe?.disconnect();
    probe = null;
    const running = child;
    child = null;
    if (!running) return;
    running.kill('SIGTERM');
    await exited(running);
  };
  return {
    url: `redis://${HOST}:${port}`,
    port,
    async stop() {
      await down();
      process.off('exit', killOnExit);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    down,
    async up() {
      if (!child) child = await launch(dir, port);
    },
    async subscribers(channel) {
      probe ??= new Redis(port, HOST, { maxRetriesPerRequest: 0 });
      const reply = (await probe.pubsub('NUMSUB', channel)) as [string, number];
      return Number(reply[1]);
    },
  };
}
