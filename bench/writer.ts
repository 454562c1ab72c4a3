/**
 * Writer throughput against the ceiling of raw better-sqlite3 on this machine, and a sustained offered load.
 * Prints rows/s for both, the offered-load result, and last `writer/raw ratio: <n>` (target ≥ 0.30).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { openDb, type Db } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { toSqlDate } from '../src/db/sql-date.ts';
import { parseDatabaseUrl, type SqliteTarget } from '../src/db/url.ts';
import type { Write } from '../src/writer/types.ts';
import { BatchWriter } from '../src/writer/writer.ts';

const ROWS = 200_000;
const SITES = 100;
const ROUNDS = 3;
const OFFERED_PER_SECOND = 20_000;
const OFFERED_SECONDS = 5;

const defaults = loadConfig({}).writer;
const logger = pino({ level: 'warn' });
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-bench-writer-'));
let files = 0;

type CheckWrite = Extract<Write, { kind: 'check' }>;

/** A fresh migrated WAL file with SITES sites, as the server would open it. */
async function freshDb(): Promise<{ target: SqliteTarget; db: Db }> {
  const target = parseDatabaseUrl(`file:${path.join(root, `bench-${++files}.db`)}`);
  migrate(target);
  const db = await openDb(target);
  const now = new Date();
  await db.site.createMany({ data: Array.from({ length: SITES }, (_, i) => ({ name: `site ${i}`, updatedAt: now })) });
  return { target, db };
}

function checkWrites(n: number): CheckWrite[] {
  const start = Date.UTC(2026, 0, 1);
  return Array.from({ length: n }, (_, i) => ({
    kind: 'check',
    siteId: 1 + (i % SITES),
    checkedAt: new Date(start + i),
    up: i % 17 !== 0,
    status: i % 17 !== 0 ? 'UP' : 'DOWN',
    latencyMs: 10 + (i % 300) / 7,
    statusCode: i % 17 !== 0 ? 200 : 503,
    message: i % 17 !== 0 ? null : 'HTTP 503',
  }));
}

async function countChecks(db: Db): Promise<number> {
  return db.check.count();
}

async function writerRound(writes: CheckWrite[]): Promise<number> {
  const { db } = await freshDb();
  const writer = new BatchWriter({ db, clock: systemClock, logger, config: { ...defaults, queueSize: writes.length } });
  writer.start();
  await writer.flush(); // the start-up retention pass is not part of the measurement
  const t0 = performance.now();
  for (const w of writes) writer.enqueue(w);
  await writer.flush();
  const seconds = (performance.now() - t0) / 1000;
  await writer.stop();
  const rows = await countChecks(db);
  await db.$disconnect();
  if (rows !== writes.length || writer.stats.droppedTotal !== 0) throw new Error(`writer round wrote ${rows} of ${writes.length} rows`);
  return writes.length / seconds;
}

/** The ceiling: one prepared single-row INSERT per row, one transaction per batch of the writer's size. */
async function rawRound(writes: CheckWrite[]): Promise<number> {
  const { target, db } = await freshDb();
  await db.$disconnect();
  const conn = new Database(target.file, { timeout: target.busyTimeoutMs });
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  const insert = conn.prepare(
    `INSERT INTO "Check" ("siteId", "checkedAt", "up", "status", "latencyMs", "statusCode", "message", "nodeId") VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertBatch = conn.transaction((batch: CheckWrite[]) => {
    for (const w of batch) insert.run(w.siteId, toSqlDate(w.checkedAt), w.up ? 1 : 0, w.status, w.latencyMs, w.statusCode, w.message, w.nodeId ?? '');
  });
  const t0 = performance.now();
  for (let i = 0; i < writes.length; i += defaults.batchSize) insertBatch(writes.slice(i, i + defaults.batchSize));
  const seconds = (performance.now() - t0) / 1000;
  const rows = (conn.prepare('SELECT count(*) AS n FROM "Check"').get() as { n: number }).n;
  conn.close();
  if (rows !== writes.length) throw new Error(`raw round wrote ${rows} of ${writes.length} rows`);
  return writes.length / seconds;
}

/** Offers writes at a steady rate in real time through a writer with the default queue size. */
async function offeredLoad(): Promise<{ offered: number; written: number; dropped: number; maxDepth: number; seconds: number }> {
  const { db } = await freshDb();
  const writer = new BatchWriter({ db, clock: systemClock, logger, config: defaults });
  writer.start();
  await writer.flush();
  const total = OFFERED_PER_SECOND * OFFERED_SECONDS;
  const writes = checkWrites(total);
  let sent = 0;
  let maxDepth = 0;
  const t0 = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * OFFERED_PER_SECOND));
    for (; sent < due; sent++) writer.enqueue(writes[sent]!);
    maxDepth = Math.max(maxDepth, writer.stats.queueDepth);
    await new Promise((r) => setTimeout(r, 1));
  }
  const seconds = (performance.now() - t0) / 1000;
  await writer.stop();
  const written = await countChecks(db);
  await db.$disconnect();
  return { offered: sent, written, dropped: writer.stats.droppedTotal, maxDepth, seconds };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

try {
  const writes = checkWrites(ROWS);
  const writerRates: number[] = [];
  const rawRates: number[] = [];
  // Interleaved rounds, median of each, so a burst of other load on the machine skews both alike.
  for (let round = 0; round < ROUNDS; round++) {
    writerRates.push(await writerRound(writes));
    rawRates.push(await rawRound(writes));
  }
  const writerRate = median(writerRates);
  const rawRate = median(rawRates);
  console.log(`${ROWS.toLocaleString('en-US')} check writes, ${SITES} sites, batch ${defaults.batchSize}, WAL + synchronous=NORMAL, median of ${ROUNDS} rounds`);
  console.log(`writer: ${fmt(writerRate)} rows/s (rounds: ${writerRates.map(fmt).join(', ')})`);
  console.log(`raw better-sqlite3 prepared INSERT: ${fmt(rawRate)} rows/s (rounds: ${rawRates.map(fmt).join(', ')})`);
  const load = await offeredLoad();
  console.log(
    `offered load: ${fmt(load.offered)} writes at ${fmt(load.offered / load.seconds)}/s over ${load.seconds.toFixed(1)} s, queue ${defaults.queueSize}: ` +
      `written ${fmt(load.written)}, dropped ${load.dropped}, max queue depth ${load.maxDepth}`,
  );
  if (load.dropped !== 0 || load.written !== load.offered) {
    console.log(`FAIL: the writer did not sustain ${OFFERED_PER_SECOND} writes/s without drops`);
    process.exitCode = 1;
  }
  console.log(`writer/raw ratio: ${(writerRate / rawRate).toFixed(3)}`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
