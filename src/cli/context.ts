import pino from 'pino';
import { createSecretBox, type SecretBox } from '../alerts/crypto.ts';
import { systemClock, type Clock } from '../clock.ts';
import { loadConfig, type Config } from '../config.ts';
import type { Change } from '../db/change-signal.ts';
import type { Db } from '../db/client.ts';
import { openMigrated, storeFor } from '../db/store.ts';
import type { Logger } from '../log.ts';
import { createServices, type Services } from '../services/index.ts';
import { BatchWriter } from '../writer/writer.ts';
import { AnnouncingWriter } from './announcing-writer.ts';
import { OfflineEngine } from './offline-engine.ts';

/** What a command works with: the server's configuration and services on the same database, without engine or HTTP. */
export interface CliContext {
  config: Config;
  /** Reads; every write goes through `services` or `writer.submit`. */
  db: Db;
  writer: AnnouncingWriter;
  engine: OfflineEngine;
  secretBox: SecretBox;
  clock: Clock;
  logger: Logger;
  services: Services;
  /** What the command's writes change, for a server running on this database (db/change-signal.ts); call before writing. */
  announce(change: Change): void;
}

/**
 * Reads the configuration from the environment as the server does, migrates the database when needed, opens the
 * writer's and the readers' connections (DESIGN "One writer, two connections") and runs `fn`; then drains the writer
 * and closes both connections, whatever `fn` did. Logs go to stderr, at `warn` unless LOG_LEVEL says otherwise, so
 * that stdout carries only what the command prints.
 */
export async function withCliContext<T>(fn: (ctx: CliContext) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const config = loadConfig(env);
  const logger = pino({ level: env.LOG_LEVEL ? config.logLevel : 'warn', base: { service: 'uptop-cli' } }, pino.destination({ fd: 2, sync: true }));
  const clock = systemClock;
  const store = storeFor(config.databaseUrl);
  const { writeDb, readDb: db } = await openMigrated(store);
  const closers: (() => Promise<unknown>)[] = [() => writeDb.$disconnect(), () => db.$disconnect()];
  try {
    const checkpoints = await store.walCheckpoints(writeDb, { clock, logger });
    const writer = new AnnouncingWriter(new BatchWriter({ db: writeDb, checkpoints, clock, logger, config: config.writer, retention: false }));
    closers.unshift(() => writer.stop());
    const secretBox = createSecretBox(config.encryptionKey);
    const engine = new OfflineEngine();
    const services = createServices({ db, writer, engine, clock, config, logger, secretBox });
    return await fn({ config, db, writer, engine, secretBox, clock, logger, services, announce: (change) => writer.announce(change) });
  } finally {
    for (const close of closers) await close();
  }
}
