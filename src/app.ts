import type { SecretBox } from './alerts/crypto.ts';
import { createSecretBox } from './alerts/crypto.ts';
import type { AlertProviderImpl } from './alerts/types.ts';
import { ensureFirstAdmin } from './auth/bootstrap.ts';
import { sharedRevocations } from './auth/revocations.ts';
import { backupRoutes } from './backup/routes.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { ChangeWatcher, changeHandler } from './db/change-signal.ts';
import type { Db } from './db/client.ts';
import { type InstanceLock, NO_CLAIM } from './db/instance-lock.ts';
import { installationId } from './db/installation.ts';
import { openMigrated, type Store, storeFor } from './db/store.ts';
import type { Checker } from './engine/checks/types.ts';
import { Engine } from './engine/engine.ts';
import { EventLog } from './engine/event-log.ts';
import type { AlertProvider } from './generated/prisma/client.ts';
import type { AppDeps } from './deps.ts';
import { createAppPubSub, SUBSCRIBER_BACKLOG } from './engine/events.ts';
import { createGraphqlEndpoint } from './graphql/endpoint.ts';
import { buildSchema } from './graphql/schema.ts';
import { healthRoutes } from './http/health.ts';
import { pushRoutes } from './http/push.ts';
import { createHttpServer, type HttpApp, type HttpTimeouts } from './http/server.ts';
import { createLogger, type Logger } from './log.ts';
import { AppMetrics } from './metrics/registry.ts';
import { metricsRoutes } from './metrics/routes.ts';
import { probeRoutes } from './probes/routes.ts';
import { announcingEngine } from './cluster/announce.ts';
import { Cluster, clusterFencing } from './cluster/cluster.ts';
import { consoleRoutes } from './console/routes.ts';
import type { ClusterTiming } from './cluster/node.ts';
import { connectRedisEvents } from './redis/events.ts';
import { statusRoutes } from './status/routes.ts';
import { createHeartbeatService, type HeartbeatService } from './services/heartbeat.ts';
import { createServices, type Services } from './services/index.ts';
import { BatchWriter } from './writer/writer.ts';

/** Test seams: time, logging, the outbound checks and alert providers. */
export interface AppOverrides {
  clock?: Clock;
  logger?: Logger;
  runCheck?: Checker;
  getProvider?: (provider: AlertProvider) => AlertProviderImpl;
  random?: () => number;
  /** Wraps the readers' client, e.g. with a `$extends` that counts queries (the N+1 tests). */
  wrapReadDb?: (db: Db) => Db;
  /** Shorter HTTP server timeouts (the timeout tests). */
  httpTimeouts?: Partial<HttpTimeouts>;
  /** Shorter lease timings on PostgreSQL (the cluster tests). */
  clusterTiming?: ClusterTiming;
  /**
   * Starts without claiming the SQLite file, beside a server that has it: the tests of Redis between instances run
   * their second instance so. A real deployment of several instances runs on PostgreSQL.
   */
  unclaimed?: boolean;
}

export interface App {
  http: HttpApp;
  deps: AppDeps & {
    services: Services;
    heartbeat: HeartbeatService;
    secretBox: SecretBox;
    engine: Engine;
    writer: BatchWriter;
    writeDb: Db;
    /** Applies what `uptop` commands run elsewhere on this database announce (db/change-signal.ts). */
    changes: ChangeWatcher;
    /** This instance's leases on PostgreSQL; null on SQLite. */
    cluster: Cluster | null;
  };
  /** Starts the writer, seeds the first admin on an empty user table, starts the engine, then listens. */
  start(): Promise<{ port: number }>;
  /** Graceful and idempotent: HTTP (subscriptions completed, requests drained), engine, writer, Redis, then both connections. */
  stop(): Promise<void>;
}

/**
 * The composition root: claims the database (one server per SQLite file), migrates it, opens the writer's connection
 * and the readers' connection on the same file (DESIGN "One writer, two connections"), and wires writer, pubsub,
 * engine, services, schema and server.
 */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const store = storeFor(config.databaseUrl);
  // Before anything changes the database: a second server on the same SQLite file stops here.
  const claim = overrides.unclaimed ? NO_CLAIM : store.claimForServer();
  try {
    return await assembleApp(config, overrides, store, claim);
  } catch (err) {
    claim.release();
    throw err;
  }
}

async function assembleApp(config: Config, overrides: AppOverrides, store: Store, claim: InstanceLock): Promise<App> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const { applied, writeDb, readDb } = await openMigrated(store);
  if (applied.length) logger.info({ migrations: applied }, 'database migrated');
  const disconnect = async (err: unknown) => {
    await Promise.all([readDb.$disconnect(), writeDb.$disconnect()]);
    throw err;
  };
  const installation = await installationId(writeDb).catch(disconnect);
  // Several instances share events and revocations through Redis; a single one keeps them in this process.
  const redis = config.redisUrl ? await connectRedisEvents(config.redisUrl, logger).catch(disconnect) : null;
  const db = overrides.wrapReadDb ? overrides.wrapReadDb(readDb) : readDb;
  const secretBox = createSecretBox(config.encryptionKey);
  const pubsub = createAppPubSub({
    carrier: redis?.target,
    onOverflow: (topic) => logger.warn({ topic, backlog: SUBSCRIBER_BACKLOG }, 'a subscriber fell behind; its oldest unread events were dropped'),
  });
  const eventLog = new EventLog({ clock, pubsub, logger });
  // The writer notes its drops in the event log, in memory only, so a full queue never feeds itself.
  const metrics = new AppMetrics();
  const fencing = clusterFencing(store.provider, config.instanceId);
  const writer = new BatchWriter({
    db: writeDb,
    checkpoints: await store.walCheckpoints(writeDb, { clock, logger }),
    clock,
    logger,
    config: config.writer,
    onLog: (message) => eventLog.add(message, null, false),
    onBatch: metrics.onBatch,
    fencing: fencing ?? undefined,
    // Several instances on one PostgreSQL prune once, by the one holding slot 0.
    retention: (): boolean => cluster?.node.leadsChores() ?? true,
  });
  // On PostgreSQL this instance checks only the sites of the slots it leases (src/cluster).
  const cluster: Cluster | null =
    fencing && new Cluster({ fencing, writer, pubsub, clock, logger, sharedEvents: redis !== null, timing: overrides.clusterTiming });
  // A site's log lines go through the fence too: an instance whose leases lapsed logs no more of its sites' events.
  eventLog.persistTo(cluster ? cluster.engineWriter(writer) : writer);
  const engineWriter = metrics.observeWrites(cluster ? cluster.engineWriter(writer) : writer);
  const engine = new Engine({
    db,
    writer: engineWriter,
    pubsub,
    clock,
    config,
    logger,
    installation,
    eventLog,
    secretBox,
    runCheck: overrides.runCheck,
    getProvider: overrides.getProvider,
    random: overrides.random,
    onAlertSent: metrics.onAlertSent,
    ownership: cluster?.node,
    relay: cluster?.relay,
    alertsViaOutbox: cluster !== null,
    shareState: cluster !== null && redis !== null,
  });
  // In a cluster the others hear of every configuration change the API or an import makes here.
  const base: AppDeps = { db, writer, engine: cluster ? announcingEngine(engine, writer, logger) : engine, pubsub, config, clock, logger };
  const services = createServices({ ...base, secretBox, revocations: redis ? sharedRevocations(redis, logger) : undefined });
  const heartbeat = createHeartbeatService({ engine, config, clock });
  const changes = new ChangeWatcher({
    db,
    clock,
    logger,
    apply: changeHandler({
      reconcile: () => engine.reconcileNow(),
      reload: () => engine.reload(),
      // As the API's user changes do: cached viewers are dropped, and with `access` their subscriptions end.
      userChanged: (userId, access) => services.auth.invalidateUser(userId, access ?? undefined),
    }),
  });
  const graphql = createGraphqlEndpoint({ ...base, services, heartbeat, schema: buildSchema(), eventsLost: redis?.onReconnect });
  const plainRoutes = [
    ...pushRoutes({ heartbeat, config, logger }),
    ...healthRoutes({ db, engine, writer, logger }),
    ...backupRoutes({ auth: services.auth, deps: { ...base, secretBox } }),
    ...metricsRoutes({ metrics, auth: services.auth, config }),
    ...probeRoutes({ ...base, secretBox, engine }),
    ...statusRoutes({ config, db, engine, clock }),
    ...consoleRoutes(),
  ];
  const http: HttpApp = createHttpServer({ ...base, services, heartbeat, graphql, plainRoutes, timeouts: overrides.httpTimeouts });
  metrics.attach({ engine, writer, http });

  let stopping: Promise<void> | null = null;
  // Every stage runs even when an earlier one failed: buffered writes must reach the database whatever HTTP did.
  const stop = () =>
    runEach([
      () => http.close(),
      () => changes.stop(),
      async () => cluster?.leave(),
      () => engine.stop(),
      () => writer.stop(),
      // After the engine and the writer, whose last events still go out.
      async () => redis?.close(),
      () => Promise.all([readDb.$disconnect(), writeDb.$disconnect()]),
      async () => claim.release(),
    ]);

  return {
    http,
    deps: { ...base, services, heartbeat, secretBox, engine, writer, writeDb, changes, cluster },
    async start() {
      writer.start();
      await ensureFirstAdmin({ db, writer, config, logger, clock });
      // Before the engine loads: a change announced from here on is applied even if the load already saw it.
      await changes.start();
      await cluster?.join(engine);
      await engine.start();
      const address = await http.listen();
      // The installation names the incidents it opens at PagerDuty and Opsgenie: the log says which one this is.
      logger.info({ host: config.http.host, port: address.port, tls: Boolean(config.http.tlsCert), installation }, 'listening');
      return address;
    },
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** Runs the steps in order, each whatever happened before, then rethrows the first failure. */
async function runEach(steps: (() => Promise<unknown>)[]): Promise<void> {
  let failure: { err: unknown } | undefined;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      failure ??= { err };
    }
  }
  if (failure) throw failure.err;
}
