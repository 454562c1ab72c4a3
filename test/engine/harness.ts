import type http from 'node:http';
import pino from 'pino';
import { onTestFinished } from 'vitest';
import { createSecretBox, type SecretBox } from '../../src/alerts/crypto.ts';
import { runCheck } from '../../src/engine/checks/index.ts';
import type { Checker } from '../../src/engine/checks/types.ts';
import { FakeClock } from '../../src/clock.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Db } from '../../src/db/client.ts';
import { installationId } from '../../src/db/installation.ts';
import { Engine, type EngineOptions } from '../../src/engine/engine.ts';
import type { AlertProvider, Prisma } from '../../src/generated/prisma/client.ts';
import { createAppPubSub, type AppPubSub, type Topics } from '../../src/engine/events.ts';
import { BatchWriter } from '../../src/writer/writer.ts';
import { freshDbFile, type TestDb } from '../helpers/db.ts';
import type { Receiver } from '../helpers/receiver.ts';
import { startHttpTarget, type HttpTarget, type TestCertificate } from '../helpers/targets.ts';

/** 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);

export type Events = { [K in keyof Topics]: Topics[K][0][] };

export interface EngineHarness {
  t: TestDb;
  /** The reading connection the engine uses; the test reads through it too. */
  db: Db;
  writer: BatchWriter;
  pubsub: AppPubSub;
  clock: FakeClock;
  config: Config;
  secretBox: SecretBox;
  /** The installation's id, as the database holds it. */
  installation: string;
  /** The key of the site's outage incident at PagerDuty and Opsgenie, or of its SSL warning's. */
  incidentKey(siteId: number, of?: 'outage' | 'ssl'): string;
  /** Everything published, per topic, in order. */
  events: Events;
  engine: Engine;
  /** Builds a second engine on the same database (a restart), with the same options. */
  restart(): Promise<Engine>;
  /**
   * Another instance's engine beside the harness's, on the same database, writer, bus and clock (not started), with
   * its own checker, ownership and relay; stopped when the test ends, before the writer.
   */
  peer(own: Partial<Pick<EngineOptions, 'runCheck' | 'ownership' | 'relay'>>): Engine;
  createSite(data: Prisma.SiteUncheckedCreateInput): Promise<number>;
  updateSite(id: number, data: Prisma.SiteUncheckedUpdateInput): Promise<void>;
  /** Stores a site's runtime state as an engine that ran before would have left it. */
  persistState(siteId: number, data: Omit<Prisma.SiteRuntimeStateUncheckedCreateInput, 'siteId' | 'updatedAt'>): Promise<void>;
  /** A channel of `provider` with these settings (sealed as the API stores them), linked to the given sites. */
  createChannel(provider: AlertProvider, name: string, settings: Record<string, string>, siteIds: number[]): Promise<number>;
  /** Edits a channel as the API does: a provider and settings (sealed) of its own. */
  updateChannel(id: number, provider: AlertProvider, settings: Record<string, string>): Promise<void>;
  /** A WEBHOOK channel posting to the receiver at `/<name>`, linked to the given sites. */
  createWebhook(receiver: Receiver, name: string, siteIds: number[]): Promise<number>;
  /** Moves the fake clock and waits for the checks and alert sends that it started. */
  tick(ms: number): Promise<void>;
  /** Waits for in-flight checks and sends, then for the writer to commit everything queued so far. */
  settle(): Promise<void>;
  /** Lets published events reach the recorders without moving the clock. */
  flushEvents(): Promise<void>;
}

export async function engineHarness(
  options: {
    env?: Record<string, string>;
    start?: boolean;
    random?: () => number;
    now?: number;
    /** Stands between the engine and its reading client (see heldSiteReads). */
    wrapDb?: (db: Db) => Db;
    /** A database of the test's own (migrated), instead of a fresh one. */
    database?: TestDb;
  } & Partial<Pick<EngineOptions, 'runCheck' | 'onCheckStarted' | 'ownership' | 'relay'>> = {},
): Promise<EngineHarness> {
  const t = options.database ?? freshDbFile();
  const writeDb = await t.open();
  const installation = await installationId(writeDb);
  const db = await t.open();
  const clock = new FakeClock(options.now ?? T0);
  const config = loadConfig({
    UPTOP_ALLOW_PRIVATE_TARGETS: 'true',
    UPTOP_INSECURE_SKIP_VERIFY: 'false',
    UPTOP_ENCRYPTION_KEY: 'ab'.repeat(32),
    // Hours of fake time would otherwise mean hundreds of reconcile queries; the reconcile test uses this value.
    UPTOP_RECONCILE_INTERVAL: '10m',
    ...options.env,
  });
  const logger = pino({ level: 'silent' });
  const secretBox = createSecretBox(config.encryptionKey);
  const writer = new BatchWriter({ db: writeDb, clock, logger, config: config.writer });
  writer.start();
  const pubsub = createAppPubSub();
  const events: Events = {
    'site:statusChanged': [],
    'site:checkCompleted': [],
    'site:changed': [],
    'engine:status': [],
    'log:added': [],
    'cluster:heartbeat': [],
    'cluster:state': [],
    'cluster:probeResults': [],
    'cluster:checkNow': [],
    'site:lateCheck': [],
  };
  const subscriptions = (Object.keys(events) as (keyof Topics)[]).map((topic) => {
    const iterator = pubsub.subscribe(topic);
    void (async () => {
      for await (const payload of iterator) (events[topic] as unknown[]).push(payload);
    })();
    return iterator;
  });

  const engineDb = options.wrapDb ? options.wrapDb(db) : db;
  const engines: Engine[] = [];
  const build = (own: Partial<Pick<EngineOptions, 'runCheck' | 'ownership' | 'relay'>> = options) => {
    const engine = new Engine({
      db: engineDb,
      writer,
      pubsub,
      clock,
      config,
      logger,
      installation,
      secretBox,
      random: options.random ?? (() => 0),
      runCheck: own.runCheck,
      onCheckStarted: options.onCheckStarted,
      ownership: own.ownership,
      relay: own.relay,
    });
    engines.push(engine);
    return engine;
  };
  const engine = build();

  onTestFinished(async () => {
    for (const e of engines) await e.stop();
    await writer.stop();
    for (const it of subscriptions) await it.return?.();
  });

  const h: EngineHarness = {
    t,
    db,
    writer,
    pubsub,
    clock,
    config,
    secretBox,
    installation,
    incidentKey: (siteId, of = 'outage') => `uptop-${installation}-site-${siteId}${of === 'ssl' ? '-ssl' : ''}`,
    events,
    engine,
    peer: (own) => build(own),
    async restart() {
      await h.engine.stop();
      await writer.flush();
      const next = build();
      h.engine = next;
      await next.start();
      return next;
    },
    async createSite(data) {
      const site = await writer.submit((tx) => tx.site.create({ data }));
      return site.id;
    },
    async updateSite(id, data) {
      await writer.submit((tx) => tx.site.update({ where: { id }, data }));
    },
    async persistState(siteId, data) {
      await writer.submit((tx) => tx.siteRuntimeState.create({ data: { siteId, updatedAt: clock.now(), ...data } }));
    },
    async createChannel(provider, name, settings, siteIds) {
      const channel = await writer.submit((tx) =>
        tx.alertChannel.create({
          data: {
            name,
            provider,
            settings: secretBox.seal(JSON.stringify(settings)),
            sites: { create: siteIds.map((siteId) => ({ siteId })) },
          },
        }),
      );
      return channel.id;
    },
    async updateChannel(id, provider, settings) {
      await writer.submit((tx) => tx.alertChannel.update({ where: { id }, data: { provider, settings: secretBox.seal(JSON.stringify(settings)) } }));
    },
    createWebhook: (receiver, name, siteIds) => h.createChannel('WEBHOOK', name, { url: `${receiver.url}/${name}` }, siteIds),
    async tick(ms) {
      await clock.advanceAsync(ms);
      await h.engine.whenIdle();
      await clock.advanceAsync(0);
    },
    async settle() {
      await h.engine.whenIdle();
      await writer.flush();
      await clock.advanceAsync(0);
    },
    async flushEvents() {
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
  if (options.start !== false) await engine.start();
  return h;
}

export interface WebhookBody {
  event: string;
  title: string;
  message: string;
  site: { id: number; name: string; status: string } | null;
  timestamp: string;
}

/** The JSON bodies the receiver got at `/<name>`, in order. */
export function received(receiver: Receiver, name: string): WebhookBody[] {
  return receiver.requests.filter((r) => r.path === `/${name}`).map((r) => r.json() as WebhookBody);
}

/** A local HTTP(S) target closed when the test ends. */
export async function httpTarget(tls?: TestCertificate): Promise<HttpTarget> {
  const target = await startHttpTarget({ tls });
  onTestFinished(() => target.close());
  return target;
}

/** Holds every request the target gets until released; answers with the status given at release time. */
export function holdRequests(target: HttpTarget) {
  const held: { res: http.ServerResponse; path: string }[] = [];
  let arrived: (() => void) | null = null;
  target.handle((req, res) => {
    held.push({ res, path: req.url ?? '' });
    arrived?.();
  });
  return {
    held,
    /** Resolves once `n` requests are being held. */
    async waitFor(n: number) {
      while (held.length < n) await new Promise<void>((resolve) => (arrived = resolve));
    },
    release(status: number) {
      for (const { res } of held.splice(0)) {
        res.writeHead(status);
        res.end();
      }
    },
  };
}

export type HeldRequests = ReturnType<typeof holdRequests>;

/** An HTTP site "web" (interval 60) at `<target>/<path>`, whose first check, run at start, its target holds. */
export async function firstCheckHeld(path = ''): Promise<{ h: EngineHarness; web: HttpTarget; hold: HeldRequests; id: number }> {
  const web = await httpTarget();
  const hold = holdRequests(web);
  const h = await engineHarness({ start: false });
  const id = await h.createSite({ name: 'web', type: 'HTTP', url: `${web.url}${path}`, interval: 60 });
  await h.engine.start();
  await h.clock.advanceAsync(0);
  await hold.waitFor(1);
  return { h, web, hold, id };
}

/** The real checker, counting the checks in progress (a call starts synchronously when the scheduler hands out a slot). */
export function countingChecker() {
  const counts = { active: 0, maxActive: 0 };
  const checker: Checker = async (site, options) => {
    counts.maxActive = Math.max(counts.maxActive, ++counts.active);
    try {
      return await runCheck(site, options);
    } finally {
      counts.active--;
    }
  };
  return { runCheck: checker, counts };
}

export interface HeldRead {
  /** Resolves once the read has run against the database; its answer is held until release(). */
  arrived: Promise<void>;
  release(): void;
}

/**
 * Holds the answers of the engine's next reads of the Site table (`site.findMany`), one per holdNext(), after they
 * have read: a read that began before some write can be made to answer after it, in an exact order.
 */
export function heldSiteReads() {
  const armed: { arrive: () => void; released: Promise<void> }[] = [];
  const wrap = (db: Db): Db => {
    const site = new Proxy(db.site, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop);
        if (prop !== 'findMany' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const rows: unknown = await value.apply(target, args);
          const gate = armed.shift();
          if (gate) {
            gate.arrive();
            await gate.released;
          }
          return rows;
        };
      },
    });
    return new Proxy(db, { get: (target, prop) => (prop === 'site' ? site : Reflect.get(target, prop)) });
  };
  return {
    wrap,
    holdNext(): HeldRead {
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      armed.push({ arrive, released });
      return { arrived, release };
    },
  };
}

/** What a regional probe reports of a site, up or down (HTTP 503), without whose result it is or when it was. */
export function probeVerdict(up: boolean) {
  return {
    status: up ? ('UP' as const) : ('DOWN' as const),
    latencyMs: 10,
    statusCode: up ? 200 : 503,
    message: up ? '' : 'HTTP 503 (expected 200-299)',
    hasSsl: false,
    certExpiresAt: null,
  };
}
