import { type Dialect, type JsonRow, type Statement, statement } from '../db/dialect.ts';
import { toSqlDate, toSqlDateOrNull } from '../db/sql-date.ts';
import { fenceWrites, type SiteStatement, siteStatement } from './fencing.ts';
import { ROLLUP_COLUMNS, ROLLUP_SQL, rollupRows } from './rollups.ts';
import type { Write, WriteFencing, WriteKind } from './types.ts';

type WriteOf<K extends WriteKind> = Extract<Write, { kind: K }>;

/**
 * One kind's share of a batch as one statement. Its rows travel as a single JSON array bound to one parameter
 * and unpacked in SQL (the dialect's `jsonRows`): there is no bound-parameter limit to chunk around, and through Prisma it measured
 * about twice as fast as multi-row `VALUES`, whose cost is dominated by converting every bound parameter.
 */
export interface KindStatement {
  /** `checkRollup`: the batch's checks added to their minute, hour and day buckets (rollups.ts). */
  kind: WriteKind | 'checkRollup';
  sql: string;
  /** The statement's parameters: its rows as JSON, then (fenced) the batch's slot fences and the owner. */
  args: unknown[];
  /** Rows offered to the database (upsert kinds merge several writes into one row). */
  rows: number;
  /** Writes the statement carries; 0 for the rollups, which are derived from the checks' writes. */
  writes: number;
}

/** A kind whose writes could not even be encoded (e.g. an invalid Date): lost, like a failed statement. */
export interface KindEncodingFailure {
  kind: KindStatement['kind'];
  writes: number;
  error: unknown;
}

const quoted = (columns: readonly string[], prefix = '') => columns.map((c) => `${prefix}"${c}"`).join(', ');

// A row whose site or channel was deleted after it was queued is filtered out: foreign keys would otherwise fail
// the whole statement, and neither SQLite's INSERT OR IGNORE nor PostgreSQL's ON CONFLICT covers foreign-key failures.
const SITE_EXISTS = `EXISTS (SELECT 1 FROM "Site" AS s WHERE s."id" = v."siteId")`;
const CHANNEL_EXISTS = `EXISTS (SELECT 1 FROM "AlertChannel" AS c WHERE c."id" = v."alertChannelId")`;

// Each kind's columns carry its write's field names (the compiler checks them); its row encoder keeps this order.
const CHECK_COLUMNS = ['siteId', 'checkedAt', 'up', 'status', 'latencyMs', 'statusCode', 'message', 'nodeId'] satisfies (keyof WriteOf<'check'>)[];
const CHECK_SQL = siteStatement(
  (d, fence) =>
    `INSERT INTO "Check" (${quoted(CHECK_COLUMNS)}) SELECT ${quoted(CHECK_COLUMNS, 'v.')} FROM ${d.jsonRows('Check', CHECK_COLUMNS)} WHERE ${SITE_EXISTS}${fence(d)}`,
);

const STATE_CHANGE_COLUMNS = ['siteId', 'fromStatus', 'toStatus', 'reason', 'changedAt'] satisfies (keyof WriteOf<'stateChange'>)[];
const STATE_CHANGE_SQL = siteStatement(
  (d, fence) =>
    `INSERT INTO "StateChange" (${quoted(STATE_CHANGE_COLUMNS)}) SELECT ${quoted(STATE_CHANGE_COLUMNS, 'v.')} FROM ${d.jsonRows('StateChange', STATE_CHANGE_COLUMNS)} WHERE ${SITE_EXISTS}${fence(d)}`,
);

// A log outlives its site (the schema sets siteId NULL on delete), so a vanished site clears the reference instead.
const LOG_COLUMNS = ['message', 'siteId', 'createdAt'] satisfies (keyof WriteOf<'log'>)[];
const LOG_SQL = statement(
  (d) =>
    `INSERT INTO "Log" (${quoted(LOG_COLUMNS)}) SELECT v."message", CASE WHEN ${SITE_EXISTS} THEN v."siteId" END, v."createdAt" FROM ${d.jsonRows('Log', LOG_COLUMNS)}`,
);

const ALERT_HEALTH_COLUMNS = ['alertChannelId', 'lastSendAt', 'lastSendOk', 'lastError', 'sendCount', 'failCount'];
const ALERT_HEALTH_SQL = statement(
  (
    d,
  ) => `INSERT INTO "AlertHealth" (${quoted(ALERT_HEALTH_COLUMNS)}) SELECT ${quoted(ALERT_HEALTH_COLUMNS, 'v.')} FROM ${d.jsonRows('AlertHealth', ALERT_HEALTH_COLUMNS)} WHERE ${CHANNEL_EXISTS}
  ON CONFLICT ("alertChannelId") DO UPDATE SET "lastSendAt" = excluded."lastSendAt", "lastSendOk" = excluded."lastSendOk",
  "lastError" = excluded."lastError", "sendCount" = "AlertHealth"."sendCount" + excluded."sendCount",
  "failCount" = "AlertHealth"."failCount" + excluded."failCount"`,
);

const RUNTIME_STATE_COLUMNS = [
  'siteId',
  'status',
  'failureCount',
  'statusCode',
  'latencyMs',
  'lastCheckAt',
  'lastSuccessAt',
  'statusChangedAt',
  'lastError',
  'hasSsl',
  'certExpiresAt',
  'sentSslWarning',
  'sslWarnedExpiry',
  'sslRenewalChecks',
  'lastAlertAt',
  'pushMissedInWindow',
  'pushFailedInWindow',
  'pushAlertAtDeadline',
  'legacyOutageKey',
  'legacySslKey',
  'updatedAt',
] satisfies (keyof WriteOf<'runtimeState'>)[];
const RUNTIME_STATE_SQL = siteStatement(
  (
    d,
    fence,
  ) => `INSERT INTO "SiteRuntimeState" (${quoted(RUNTIME_STATE_COLUMNS)}) SELECT ${quoted(RUNTIME_STATE_COLUMNS, 'v.')} FROM ${d.jsonRows('SiteRuntimeState', RUNTIME_STATE_COLUMNS)} WHERE ${SITE_EXISTS}${fence(d)}
  ON CONFLICT ("siteId") DO UPDATE SET ${RUNTIME_STATE_COLUMNS.slice(1)
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(', ')}`,
);

// One intent per key: a second insert of the same alert is a no-op. It is due at once. Ids follow the alerts' order,
// which the sender keeps per site and channel. The site need not exist: deleting a site while its PagerDuty incident
// is open queues the close of that incident after the row is gone (src/engine/open-incidents.ts).
const ALERT_INTENT_COLUMNS = ['siteId', 'alertChannelId', 'key', 'payload', 'createdAt'] satisfies (keyof WriteOf<'alertIntent'>)[];
const OUTBOX_COLUMNS = [...ALERT_INTENT_COLUMNS, 'nextAttemptAt'];
const ALERT_INTENT_SQL = siteStatement(
  (d, fence) =>
    `INSERT INTO "AlertOutbox" (${quoted(OUTBOX_COLUMNS)}) SELECT ${quoted(OUTBOX_COLUMNS, 'v.')} FROM ${d.jsonRowsOrdered('AlertOutbox', OUTBOX_COLUMNS)} WHERE TRUE${fence(d)} ORDER BY v."ordinality" ON CONFLICT ("key") DO NOTHING`,
);

// A row is done once: a mark that finds it done already (an alert queued twice under one key) leaves it as it is.
const ALERT_DONE_COLUMNS = ['key', 'sentAt', 'lastError', 'attempts'];
const ALERT_DONE_SQL = statement(
  (d) =>
    `UPDATE "AlertOutbox" SET "sentAt" = v."sentAt", "lastError" = v."lastError", "attempts" = "AlertOutbox"."attempts" + v."attempts" FROM ${d.jsonRows('AlertOutbox', ALERT_DONE_COLUMNS)} WHERE "AlertOutbox"."key" = v."key" AND "AlertOutbox"."sentAt" IS NULL`,
);

const alertDoneRow = (w: WriteOf<'alertDone'>): JsonRow => [w.key, toSqlDate(w.sentAt), w.error, w.tried ? 1 : 0];

const alertIntentRow = (w: WriteOf<'alertIntent'>): JsonRow => [w.siteId, w.alertChannelId, w.key, w.payload, toSqlDate(w.createdAt), toSqlDate(w.createdAt)];

const checkRow = (w: WriteOf<'check'>): JsonRow => [w.siteId, toSqlDate(w.checkedAt), w.up, w.status, w.latencyMs, w.statusCode, w.message, w.nodeId ?? ''];

const stateChangeRow = (w: WriteOf<'stateChange'>): JsonRow => [w.siteId, w.fromStatus, w.toStatus, w.reason, toSqlDate(w.changedAt)];

const logRow = (w: WriteOf<'log'>): JsonRow => [w.message, w.siteId, toSqlDate(w.createdAt)];

/** Several sends to one channel in a batch become one upsert: counts add up, the newest send sets the rest. */
function alertHealthRows(writes: readonly WriteOf<'alertHealth'>[]): JsonRow[] {
  const byChannel = new Map<number, { last: WriteOf<'alertHealth'>; sends: number; fails: number }>();
  for (const w of writes) {
    const agg = byChannel.get(w.alertChannelId);
    if (!agg) {
      byChannel.set(w.alertChannelId, { last: w, sends: 1, fails: w.ok ? 0 : 1 });
      continue;
    }
    agg.sends += 1;
    agg.fails += w.ok ? 0 : 1;
    if (w.sentAt.getTime() >= agg.last.sentAt.getTime()) agg.last = w;
  }
  return [...byChannel.values()].map(({ last, sends, fails }) => [last.alertChannelId, toSqlDate(last.sentAt), last.ok, last.error, sends, fails]);
}

/** Snapshots replace each other, so only the newest per site in a batch is written. */
function runtimeStateRows(writes: readonly WriteOf<'runtimeState'>[]): JsonRow[] {
  const bySite = new Map<number, WriteOf<'runtimeState'>>();
  for (const w of writes) {
    const prev = bySite.get(w.siteId);
    if (!prev || w.updatedAt.getTime() >= prev.updatedAt.getTime()) bySite.set(w.siteId, w);
  }
  return [...bySite.values()].map((w) => [
    w.siteId,
    w.status,
    w.failureCount,
    w.statusCode,
    w.latencyMs,
    toSqlDateOrNull(w.lastCheckAt),
    toSqlDateOrNull(w.lastSuccessAt),
    toSqlDateOrNull(w.statusChangedAt),
    w.lastError,
    w.hasSsl,
    toSqlDateOrNull(w.certExpiresAt),
    w.sentSslWarning,
    toSqlDateOrNull(w.sslWarnedExpiry),
    w.sslRenewalChecks,
    toSqlDateOrNull(w.lastAlertAt),
    w.pushMissedInWindow,
    w.pushFailedInWindow,
    w.pushAlertAtDeadline,
    w.legacyOutageKey,
    w.legacySslKey,
    toSqlDate(w.updatedAt),
  ]);
}

/**
 * Splits a batch by kind into one statement per kind present, in a fixed order, in the dialect's SQL. With `fencing`
 * (a cluster), site rows are written only under their slot's lease (fencing.ts); `stale` counts those left out here.
 */
export function encodeBatch(
  batch: readonly Write[],
  dialect: Dialect,
  fencing?: WriteFencing,
): { statements: KindStatement[]; failures: KindEncodingFailure[]; stale: number } {
  let checks: WriteOf<'check'>[] = [];
  let stateChanges: WriteOf<'stateChange'>[] = [];
  const logs: WriteOf<'log'>[] = [];
  const alertHealth: WriteOf<'alertHealth'>[] = [];
  let runtimeStates: WriteOf<'runtimeState'>[] = [];
  let alertIntents: WriteOf<'alertIntent'>[] = [];
  const alertsDone: WriteOf<'alertDone'>[] = [];
  for (const w of batch) {
    switch (w.kind) {
      case 'check':
        checks.push(w);
        break;
      case 'stateChange':
        stateChanges.push(w);
        break;
      case 'log':
        logs.push(w);
        break;
      case 'alertHealth':
        alertHealth.push(w);
        break;
      case 'runtimeState':
        runtimeStates.push(w);
        break;
      case 'alertIntent':
        alertIntents.push(w);
        break;
      case 'alertDone':
        alertsDone.push(w);
        break;
      default:
        w satisfies never;
    }
  }
  let stale = 0;
  let fences: unknown[] = [];
  if (fencing) {
    const all = fenceWrites([...checks, ...stateChanges, ...runtimeStates, ...alertIntents], fencing);
    const kept = new Set<Write>(all.writes);
    stale = all.stale;
    fences = [JSON.stringify(all.pairs), fencing.owner];
    checks = checks.filter((w) => kept.has(w));
    stateChanges = stateChanges.filter((w) => kept.has(w));
    runtimeStates = runtimeStates.filter((w) => kept.has(w));
    alertIntents = alertIntents.filter((w) => kept.has(w));
  }
  const statements: KindStatement[] = [];
  const failures: KindEncodingFailure[] = [];
  const add = (kind: KindStatement['kind'], writes: number, sql: Statement | SiteStatement, columns: readonly string[], rows: () => JsonRow[]) => {
    if (writes === 0 && kind !== 'checkRollup') return;
    const site = 'plain' in sql;
    const text = site ? (fencing ? sql.fenced(fencing.slots) : sql.plain) : sql;
    try {
      const encoded = rows();
      const args = [dialect.encodeRows(columns, encoded), ...(site && fencing ? fences : [])];
      statements.push({ kind, sql: text[dialect.provider], args, rows: encoded.length, writes });
    } catch (error) {
      failures.push({ kind, writes, error });
    }
  };
  add('check', checks.length, CHECK_SQL, CHECK_COLUMNS, () => checks.map(checkRow));
  // In the same transaction as the checks, so the rollups and the raw rows never disagree; checks that could not be
  // encoded are not written, so they are not rolled up either.
  if (statements.some((s) => s.kind === 'check')) add('checkRollup', 0, ROLLUP_SQL, ROLLUP_COLUMNS, () => rollupRows(checks));
  add('stateChange', stateChanges.length, STATE_CHANGE_SQL, STATE_CHANGE_COLUMNS, () => stateChanges.map(stateChangeRow));
  // In the same transaction as the state changes that caused them (the outbox's point).
  add('alertIntent', alertIntents.length, ALERT_INTENT_SQL, OUTBOX_COLUMNS, () => alertIntents.map(alertIntentRow));
  // After the intents: a send that ended before its intent's batch was written is marked in the same transaction.
  add('alertDone', alertsDone.length, ALERT_DONE_SQL, ALERT_DONE_COLUMNS, () => alertsDone.map(alertDoneRow));
  add('log', logs.length, LOG_SQL, LOG_COLUMNS, () => logs.map(logRow));
  add('alertHealth', alertHealth.length, ALERT_HEALTH_SQL, ALERT_HEALTH_COLUMNS, () => alertHealthRows(alertHealth));
  add('runtimeState', runtimeStates.length, RUNTIME_STATE_SQL, RUNTIME_STATE_COLUMNS, () => runtimeStateRows(runtimeStates));
  return { statements, failures, stale };
}
