/**
 * Writer throughput against the ceiling of raw better-sqlite3 on this machine, a sustained offered load, and the
 * longest event-loop stall while the writer prunes 10,000 sites x 1,000 checks, against the single-statement prune it
 * replaced. Prints rows/s for both, the offered-load result, `writer/raw ratio: <n>` (target ≥ 0.30), and last
 * `prune stall: <n> ms` (target < 50) with its ratio to the baseline.
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
const PRUNE_SITES = 10_000;
const PRUNE_ROWS_PER_SITE = 1_000;
/** 50 rows per site past the retention: 500,000 rows to delete. */
const PRUNE_KEEP = 950;
const PRUNE_CHECK_INTERVAL_S = 30;
const STALL_LIMIT_MS = 50;
/** The prune this writer replaced (its check statement; the others were trivial here): one pass ranking the whole table. */
const SINGLE_STATEMENT_PRUNE = `DELETE FROM "Check" WHERE "id" IN (SELECT "id" FROM (SELECT "id", ROW_NUMBER() OVER (PARTITION BY "siteId" ORDER BY "checkedAt" DESC, "id" DESC) AS rn FROM "Check") AS ranked WHERE rn > ?)`;

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

interface Stall {
  /** The longest gap between the callbacks of a 1 ms interval: how long the event loop was held at most. */
  maxMs: number;
  p99Ms: number;
}

function stallProbe(): { stop(): Stall } {
  let last = performance.now();
  const gaps: number[] = [];
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      gaps.push(performance.now() - last);
      gaps.sort((a, b) => a - b);
      return { maxMs: gaps.at(-1)!, p99Ms: gaps[Math.floor(gaps.length * 0.99)]! };
    },
  };
}

const PRUNE_BASE_S = Date.UTC(2025, 0, 1) / 1000;

/**
 * PRUNE_SITES sites with PRUNE_ROWS_PER_SITE checks each, PRUNE_CHECK_INTERVAL_S apart and interleaved across sites in
 * id order as the engine writes them. Seeded in SQL with the index built afterwards, which takes a minute, not ten.
 */
async function seedPruneDb(): Promise<SqliteTarget> {
  const target = parseDatabaseUrl(`file:${path.join(root, `bench-${++files}.db`)}`);
  migrate(target);
  const conn = new Database(target.file);
  conn.pragma('journal_mode = OFF');
  conn.pragma('synchronous = OFF');
  conn.pragma('cache_size = -400000');
  conn
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) INSERT INTO "Site" ("name", "updatedAt") SELECT 'site ' || i, ? FROM n`,
    )
    .run(PRUNE_SITES, toSqlDate(new Date()));
  const { sql: index } = conn.prepare(`SELECT sql FROM sqlite_master WHERE name = 'Check_siteId_checkedAt_idx'`).get() as { sql: string };
  conn.exec('DROP INDEX "Check_siteId_checkedAt_idx"');
  const round = conn.prepare(
    `INSERT INTO "Check" ("siteId", "checkedAt", "up", "status", "latencyMs", "statusCode")
     SELECT "id", strftime('%Y-%m-%dT%H:%M:%f+00:00', ? + "id" % ?, 'unixepoch'), 1, 'UP', 12.5, 200 FROM "Site"`,
  );
  conn.transaction(() => {
    for (let i = 0; i < PRUNE_ROWS_PER_SITE; i++) round.run(PRUNE_BASE_S + i * PRUNE_CHECK_INTERVAL_S, PRUNE_CHECK_INTERVAL_S);
  })();
  conn.exec(index);
  conn.pragma('journal_mode = WAL');
  conn.close();
  syncFile(target.file);
  return target;
}

function copyDb(target: SqliteTarget): SqliteTarget {
  const copy = parseDatabaseUrl(`file:${path.join(root, `bench-${++files}.db`)}`);
  fs.copyFileSync(target.file, copy.file);
  syncFile(copy.file);
  return copy;
}

/** Seeded unsynced, the file's first checkpoint would write back the whole gigabyte inside the measurement (~0.5 s). */
function syncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Every row past the retention is gone (the oldest 50 of each site), and every site keeps at least PRUNE_KEEP. */
function checkPruned(target: SqliteTarget): void {
  const conn = new Database(target.file, { readonly: true });
  const firstKept = toSqlDate(new Date((PRUNE_BASE_S + (PRUNE_ROWS_PER_SITE - PRUNE_KEEP) * PRUNE_CHECK_INTERVAL_S) * 1000));
  const { older } = conn.prepare(`SELECT count(*) AS older FROM "Check" WHERE "checkedAt" < ?`).get(firstKept) as { older: number };
  const { sites, fewest } = conn.prepare(`SELECT count(*) AS sites, min(n) AS fewest FROM (SELECT count(*) AS n FROM "Check" GROUP BY "siteId")`).get() as {
    sites: number;
    fewest: number;
  };
  conn.close();
  if (older !== 0 || sites !== PRUNE_SITES || fewest < PRUNE_KEEP) {
    throw new Error(`prune left ${older} rows past the retention; ${sites} sites, the fewest with ${fewest} rows`);
  }
}

interface PruneRun {
  stall: Stall;
  seconds: number;
  /** Checks offered during the prune at one per site per interval, and how many were written before it ended. */
  offered?: number;
  writtenDuring?: number;
  dropped?: number;
}

/** The writer's own start-up prune, while the engine's check writes keep arriving as 10,000 sites at 30 s would send them. */
async function writerPrune(target: SqliteTarget): Promise<PruneRun> {
  const db = await openDb(target);
  const writer = new BatchWriter({ db, clock: systemClock, logger, config: { ...defaults, retainChecks: PRUNE_KEEP } });
  const perSecond = PRUNE_SITES / PRUNE_CHECK_INTERVAL_S;
  const template = checkWrites(1)[0]!;
  const after = (PRUNE_BASE_S + PRUNE_ROWS_PER_SITE * PRUNE_CHECK_INTERVAL_S) * 1000;
  let offered = 0;
  const loadStart = performance.now();
  const load = setInterval(() => {
    const due = Math.floor(((performance.now() - loadStart) / 1000) * perSecond);
    for (; offered < due; offered++) {
      writer.enqueue({ ...template, siteId: 1 + (offered % PRUNE_SITES), checkedAt: new Date(after + offered) });
    }
  }, 10);
  const probe = stallProbe();
  const t0 = performance.now();
  writer.start();
  await writer.flush();
  const seconds = (performance.now() - t0) / 1000;
  const stall = probe.stop();
  clearInterval(load);
  const writtenDuring = writer.stats.written;
  await writer.stop();
  await db.$disconnect();
  return { stall, seconds, offered, writtenDuring, dropped: writer.stats.droppedTotal };
}

async function singleStatementPrune(target: SqliteTarget): Promise<PruneRun> {
  const db = await openDb(target);
  const probe = stallProbe();
  const t0 = performance.now();
  await db.$executeRawUnsafe(SINGLE_STATEMENT_PRUNE, PRUNE_KEEP);
  const seconds = (performance.now() - t0) / 1000;
  const stall = probe.stop();
  await db.$disconnect();
  return { stall, seconds };
}

/** The probe alone on an idle loop: what the machine's other load costs before any pruning. */
async function idleStall(ms: number): Promise<Stall> {
  const probe = stallProbe();
  await new Promise((r) => setTimeout(r, ms));
  return probe.stop();
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
  console.log(
    `${ROWS.toLocaleString('en-US')} check writes, ${SITES} sites, batch ${defaults.batchSize}, WAL + synchronous=NORMAL, median of ${ROUNDS} rounds`,
  );
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

  const seedStart = performance.now();
  const chunkedDb = await seedPruneDb();
  const baselineDb = copyDb(chunkedDb);
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const idle = await idleStall(2000);
  const load1 = os.loadavg()[0]!;
  const chunked = await writerPrune(chunkedDb);
  checkPruned(chunkedDb);
  const baseline = await singleStatementPrune(baselineDb);
  checkPruned(baselineDb);
  const load2 = os.loadavg()[0]!;
  console.log(
    `prune: ${PRUNE_SITES.toLocaleString('en-US')} sites x ${PRUNE_ROWS_PER_SITE.toLocaleString('en-US')} checks, keeping ${PRUNE_KEEP} per site ` +
      `(${fmt(PRUNE_SITES * (PRUNE_ROWS_PER_SITE - PRUNE_KEEP))} rows deleted; seeded in ${seedSeconds.toFixed(0)} s); ` +
      `load average ${load1.toFixed(1)} / ${load2.toFixed(1)} on ${os.availableParallelism()} cores; idle probe: longest gap ${idle.maxMs.toFixed(1)} ms`,
  );
  console.log(
    `writer prune: ${chunked.seconds.toFixed(1)} s, ${fmt(chunked.offered!)} check writes offered meanwhile, ` +
      `${fmt(chunked.writtenDuring!)} written before it ended, ${chunked.dropped} dropped; p99 gap ${chunked.stall.p99Ms.toFixed(1)} ms`,
  );
  console.log(`single-statement prune (baseline): ${baseline.seconds.toFixed(1)} s, longest stall ${baseline.stall.maxMs.toFixed(0)} ms`);
  console.log(`prune stall: ${chunked.stall.maxMs.toFixed(1)} ms (baseline/writer: ${(baseline.stall.maxMs / chunked.stall.maxMs).toFixed(0)}x)`);
  if (chunked.stall.maxMs >= STALL_LIMIT_MS) {
    console.log(`FAIL: the writer's prune held the event loop for ${STALL_LIMIT_MS} ms or more`);
    process.exitCode = 1;
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
