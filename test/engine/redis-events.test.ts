import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createAppPubSub, type AppPubSub, type Topics } from '../../src/engine/events.ts';
import type { CheckRecord, EngineStatusSnapshot, LogRecord, StateChangeRecord } from '../../src/engine/types.ts';
import { connectRedisEvents, RedisUnavailableError } from '../../src/redis/events.ts';
import { eventSerializer } from '../../src/redis/serializer.ts';
import { capturingLogger } from '../helpers/log.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { closedPort } from '../helpers/targets.ts';

const at = new Date('2026-11-29T10:15:30.123Z');
const statusChanged: StateChangeRecord = { siteId: 7, from: 'UP', to: 'DOWN', reason: 'HTTP 503', changedAt: at };
// As the engine publishes a check: the writer's row, `kind` and an unset `nodeId` included.
const checkCompleted = {
  kind: 'check',
  siteId: 7,
  checkedAt: at,
  up: false,
  status: 'DOWN',
  latencyMs: 12.5,
  statusCode: 503,
  message: 'HTTP 503',
  nodeId: undefined,
} as CheckRecord;
const logLine: LogRecord = { message: 'site 7 is DOWN: HTTP 503', createdAt: at, siteId: null };
// Cast: the snapshot is growing a `cluster` part (src/cluster) while this test is written; both shapes pass.
const engineStatus = {
  running: true,
  cluster: { instanceId: 'a', members: ['a', 'b'], slotsHeld: 32, slotsTotal: 64 },
  sites: 3,
  up: 1,
  down: 1,
  pending: 1,
  paused: 0,
  maintenance: 0,
  queueDepth: 4,
  droppedWrites: 0,
  checksPerMinute: 2.5,
} as EngineStatusSnapshot;

const silent = pino({ level: 'silent' });

type AnyTopic = keyof Topics;

/** A subscriber of any topic (yoga types `subscribe` per literal topic; these tests loop over them). */
function subscribe(pubsub: AppPubSub, topic: AnyTopic): AsyncIterator<unknown> {
  return (pubsub.subscribe as (topic: AnyTopic) => AsyncIterable<unknown>)(topic)[Symbol.asyncIterator]();
}

/** The next event a subscriber receives on `topic` after `publish` runs (it subscribes first, as a client would). */
async function receive(pubsub: AppPubSub, topic: AnyTopic, publish: () => void): Promise<unknown> {
  const iterator = subscribe(pubsub, topic);
  const next = iterator.next();
  publish();
  const { value } = await next;
  await iterator.return?.();
  return value;
}

describe('the serializer of events between instances', () => {
  it('gives back what it was given: dates, unset properties, nulls, nested values', () => {
    for (const payload of [statusChanged, checkCompleted, logLine, engineStatus]) {
      expect(eventSerializer.parse(eventSerializer.stringify(payload))).toStrictEqual(payload);
    }
    const nested = { at: [at, { when: at, none: undefined }], empty: null, invalid: new Date(Number.NaN), text: '$date' };
    const back = eventSerializer.parse(eventSerializer.stringify(nested)) as typeof nested;
    expect(back).toStrictEqual(nested);
    expect(back.at[0]).toBeInstanceOf(Date);
    expect(Number.isNaN(back.invalid.getTime())).toBe(true);
  });
});

describe('the engine pubsub over Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  async function redisPubSub() {
    const events = await connectRedisEvents(redis.url, silent);
    onTestFinished(() => events.close());
    return createAppPubSub({ carrier: events.target });
  }

  it('delivers to a subscriber on another instance exactly what an in-process subscriber receives', async () => {
    const inProcess = createAppPubSub();
    const [a, b] = [await redisPubSub(), await redisPubSub()];
    const cases: [AnyTopic, object][] = [
      ['site:statusChanged', statusChanged],
      ['site:checkCompleted', checkCompleted],
      ['log:added', logLine],
    ];
    for (const [topic, payload] of cases) {
      const local = await receive(inProcess, topic, () => inProcess.publish(topic, payload as never));
      // In process the subscriber holds the published object itself.
      expect(local).toBe(payload);
      // Subscribed on B, published on A: Redis in between. Published again until B's SUBSCRIBE has reached Redis.
      const iterator = subscribe(b, topic);
      const next = iterator.next();
      const resend = setInterval(() => a.publish(topic, payload as never), 20);
      const remote = (await next).value;
      clearInterval(resend);
      await iterator.return?.();
      expect(remote).toStrictEqual(local);
      expect(remote).not.toBe(payload);
    }
  });

  it("keeps each instance's engine status on that instance", async () => {
    const [a, b] = [await redisPubSub(), await redisPubSub()];
    const statusOnB = b.subscribe('engine:status')[Symbol.asyncIterator]();
    const nextStatus = statusOnB.next();
    const logsOnB = b.subscribe('log:added')[Symbol.asyncIterator]();
    // Once a log line from A reaches B, B's subscriptions are in place in Redis (they were sent in order).
    const firstLog = logsOnB.next();
    const resend = setInterval(() => a.publish('log:added', logLine), 20);
    await firstLog;
    clearInterval(resend);
    // A's own subscriber receives A's figures, the very object, with no Redis round trip.
    expect(await receive(a, 'engine:status', () => a.publish('engine:status', engineStatus))).toBe(engineStatus);
    // Redis keeps one publisher's order: had A's figures gone through it, B would hold them before this line.
    const marker = { ...logLine, message: 'after the engine status' };
    a.publish('log:added', marker);
    for (let received = (await logsOnB.next()).value; received.message !== marker.message; received = (await logsOnB.next()).value);
    const ownOfB = { ...engineStatus, sites: 99 };
    b.publish('engine:status', ownOfB);
    expect((await nextStatus).value).toBe(ownOfB);
    await Promise.all([statusOnB.return?.(), logsOnB.return?.()]);
  });

  it('ignores, and logs, a message on its channels that is not its own, and delivers the next one', async () => {
    const log = capturingLogger('error');
    const events = await connectRedisEvents(redis.url, log.logger);
    onTestFinished(() => events.close());
    const pubsub = createAppPubSub({ carrier: events.target });
    const stranger = new Redis(redis.port, '127.0.0.1');
    onTestFinished(() => void stranger.disconnect());
    const logs = subscribe(pubsub, 'log:added');
    const next = logs.next();
    await vi.waitFor(async () => expect(await redis.subscribers('log:added')).toBe(1));

    await stranger.publish('log:added', 'not json at all');
    await stranger.publish('log:added', '{"$date": "not a number"');
    pubsub.publish('log:added', logLine);
    expect((await next).value).toStrictEqual(logLine);
    expect(log.lines().filter((l) => l.msg === 'ignored an unreadable message from Redis')).toHaveLength(2);
    await logs.return?.();
  });

  it('refuses to start without the Redis it was given, naming it without its password', async () => {
    const url = `redis://:s3cret@127.0.0.1:${await closedPort()}`;
    const failure = await connectRedisEvents(url, silent).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(RedisUnavailableError);
    expect((failure as Error).message).toMatch(/^could not connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(UPTOP_REDIS_URL\): .*ECONNREFUSED/);
    expect((failure as Error).message).not.toContain('s3cret');
  });
});
