import pino from 'pino';
import { onTestFinished } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Db } from '../../src/db/client.ts';
import { type Provider, storeFor } from '../../src/db/store.ts';
import type { WalCheckpointOptions } from '../../src/db/wal-checkpoints.ts';
import type { Write } from '../../src/writer/types.ts';
import { BatchWriter, type WriterOptions } from '../../src/writer/writer.ts';
import { freshDbFile, type TestDatabase, type TestDb } from '../helpers/db.ts';
import type { useStores } from '../helpers/stores.ts';

export const WRITER_DEFAULTS = loadConfig({}).writer;

/** `T`: the database, a SQLite TestDb unless the harness was given another. */
export interface WriterHarness<T extends TestDatabase = TestDb> {
  t: T;
  writer: BatchWriter;
  /** The writer's own connection. */
  writeDb: Db;
  /** A second connection, as the API reads. */
  db: Db;
  clock: FakeClock;
  /** What the writer handed to onLog (the engine's in-memory log). */
  notes: string[];
  /** The writer's pino lines, parsed. */
  logLines: Record<string, unknown>[];
}

/**
 * A writer on a fresh migrated database with a fake clock, stopped when the test ends (before the database goes):
 * a SQLite file of its own, or `store` (a database of either provider, from useStores()).
 */
export async function writerHarness<T extends TestDatabase = TestDb>(
  options: {
    config?: Partial<Config['writer']>;
    onLog?: (message: string) => void;
    store?: T;
    /** WAL checkpoints as the server runs them (Store.walCheckpoints), with these settings. */
    checkpoints?: Partial<WalCheckpointOptions>;
  } & Partial<Pick<WriterOptions, 'maxQueuedCommands' | 'commandTimeoutMs' | 'retention' | 'fencing' | 'onBatch'>> = {},
): Promise<WriterHarness<T>> {
  // Without a store the default T is TestDb, which freshDbFile gives.
  const t = options.store ?? (freshDbFile() as TestDatabase as T);
  const writeDb = await t.open();
  const db = await t.open();
  const clock = new FakeClock();
  const notes: string[] = [];
  const logLines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(JSON.parse(line)) });
  const checkpoints = options.checkpoints && (await storeFor(t.url).walCheckpoints(writeDb, { clock, logger }, options.checkpoints));
  const writer = new BatchWriter({
    db: writeDb,
    checkpoints: checkpoints || undefined,
    clock,
    logger,
    config: { ...WRITER_DEFAULTS, ...options.config },
    maxQueuedCommands: options.maxQueuedCommands,
    commandTimeoutMs: options.commandTimeoutMs,
    retention: options.retention,
    fencing: options.fencing,
    onBatch: options.onBatch,
    onLog: (message) => {
      notes.push(message);
      options.onLog?.(message);
    },
  });
  onTestFinished(() => writer.stop());
  return { t, writer, writeDb, db, clock, notes, logLines };
}

/** writerHarness on a fresh database of `provider` from `stores` (useStores, at the test file's top level). */
export function writerHarnessOn(stores: ReturnType<typeof useStores>, provider: Provider) {
  return async (options: Omit<NonNullable<Parameters<typeof writerHarness>[0]>, 'store'> = {}) =>
    writerHarness({ ...options, store: await stores.fresh(provider) });
}

export const T0 = Date.UTC(2026, 0, 1);

export function check(siteId: number, atMs: number, overrides: Partial<Extract<Write, { kind: 'check' }>> = {}): Write {
  return {
    kind: 'check',
    siteId,
    checkedAt: new Date(atMs),
    up: true,
    status: 'UP',
    latencyMs: 12.5,
    statusCode: 200,
    message: null,
    ...overrides,
  };
}

export function stateChange(siteId: number, atMs: number): Write {
  return { kind: 'stateChange', siteId, fromStatus: 'UP', toStatus: 'DOWN', reason: 'HTTP 503', changedAt: new Date(atMs) };
}

export function log(message: string, atMs: number, siteId: number | null = null): Write {
  return { kind: 'log', message, siteId, createdAt: new Date(atMs) };
}

export async function createSites(db: Db, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await db.site.create({ data: { name: `site ${i}`, url: `https://s${i}.example` } })).id);
  return ids;
}
