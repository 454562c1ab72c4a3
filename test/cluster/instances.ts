import { print } from 'graphql';
import pino from 'pino';
import { expect, onTestFinished, vi } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { REVOCATION_CHANNEL } from '../../src/auth/revocations.ts';
import { FakeClock } from '../../src/clock.ts';
import type { Logger } from '../../src/log.ts';
import { startTestApp, type TestApp, type TestAppOptions } from '../helpers/app.ts';
import type { TestRedis } from '../helpers/redis.ts';
import { Result, type Document } from '../helpers/result.ts';

/** A second instance of the same installation: its own app, clock and HTTP server on an ephemeral port. */
export interface Peer {
  app: App;
  graphqlUrl: string;
  wsUrl: string;
  request<TData = Record<string, any>, TVars = Record<string, unknown>>(
    document: Document<TData, TVars>,
    variables?: TVars,
    token?: string | null,
  ): Promise<Result<TData>>;
}

/**
 * Starts another instance on `first`'s configuration (the same SQLite file and Redis, which `first` holds: this one
 * does not claim it); stopped when the test ends.
 */
async function startPeer(first: TestApp, logger: Logger): Promise<Peer> {
  const app = await createApp(first.config, { clock: new FakeClock(Date.now()), logger, unclaimed: true });
  let port: number;
  try {
    ({ port } = await app.start());
  } catch (err) {
    await app.stop();
    throw err;
  }
  // Registered after the first instance's hooks, so it stops first (hooks run in reverse), before the file goes.
  onTestFinished(() => app.stop());
  const graphqlUrl = `http://127.0.0.1:${port}/graphql`;
  return {
    app,
    graphqlUrl,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    async request(document, variables, token) {
      const res = await fetch(graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: typeof document === 'string' ? document : print(document), variables }),
      });
      return new Result(document as Document<any, never>, variables, res.status, (await res.json()) as object);
    },
  };
}

/**
 * Two instances sharing one database file and one Redis: A is the seeded test app (its users signed in), B a peer.
 * Resolves once both listen for revocations in Redis, so a change made on one from now on reaches the other.
 */
export async function startInstances(redis: TestRedis, options: TestAppOptions = {}): Promise<{ a: TestApp; b: Peer }> {
  const a = await startTestApp({ ...options, env: { ...options.env, UPTOP_REDIS_URL: redis.url } });
  const b = await startPeer(a, options.logger ?? pino({ level: 'silent' }));
  await vi.waitFor(async () => expect(await redis.subscribers(REVOCATION_CHANNEL)).toBe(2), { timeout: 5000, interval: 10 });
  return { a, b };
}

/** Waits until A counts `count` open subscriptions. */
export async function subscribed(t: TestApp, count: number): Promise<void> {
  await vi.waitFor(() => expect(t.app.http.openSubscriptions).toBe(count), { timeout: 5000, interval: 10 });
}
