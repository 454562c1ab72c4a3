/**
 * What the hand-written SQL needs to know about the store it runs on: SQLite (the embedded default) or PostgreSQL (the
 * scale-out store). Statements are written once with `?` placeholders and these few pieces; `statement()` builds each
 * provider's text once, and the code that runs it picks the form of its client's provider with `dialectOf`.
 */
import type { Db } from './client.ts';
import { type Provider, providerOf } from './provider.ts';

export type { Provider };

export type JsonCell = string | number | boolean | null;
export type JsonRow = readonly JsonCell[];

export interface Dialect {
  readonly provider: Provider;
  /**
   * The rows of one JSON parameter (from `encodeRows`) as the table `v` with the given columns. On PostgreSQL they
   * take the types of `table`'s columns, so a row fits the table whatever its columns are (booleans, enums, times).
   */
  jsonRows(table: string, columns: readonly string[]): string;
  /**
   * The same, with each row's place in the parameter as `v."ordinality"` (from 1): an INSERT that must assign ids in
   * the order of its rows orders by it, since a join may reorder them.
   */
  jsonRowsOrdered(table: string, columns: readonly string[]): string;
  /** One statement's rows as the text bound to the parameter of `jsonRows`. */
  encodeRows(columns: readonly string[], rows: readonly JsonRow[]): string;
  /** The integers of one JSON array parameter as a table `alias` with one column, `value`. */
  jsonIds(alias: string): string;
  /**
   * `column` is one of the integers of one JSON array parameter. PostgreSQL's form is an array, which an index on
   * `column` serves (a semi-join with the list would read the whole range of every other site too).
   */
  inJsonIds(column: string): string;
  /**
   * Joins to each row so far the rows of `table`, as `alias`, whose ids the correlated subquery `ids` selects (e.g.
   * a site's newest N). PostgreSQL runs it per row as a LATERAL subquery; as a join condition it would test every
   * pair of rows.
   */
  joinRowsByIds(table: string, alias: string, ids: string): string;
  /** The smaller (larger) of two numbers, neither of them NULL. */
  least(a: string, b: string): string;
  greatest(a: string, b: string): string;
  /** A DateTime column as whole milliseconds since the epoch. */
  epochMs(column: string): string;
  /** `a / b` of two non-negative numbers, rounded down to an integer. */
  intDiv(a: string, b: string): string;
  /** Two latency sketches (JSON objects of bucket → count) as one, the counts of equal buckets added. */
  mergeSketches(a: string, b: string): string;
  /**
   * Deletes at most `limit` rows of `table` that match `where`, found by the physical row key (the table's key may be
   * composite): SQLite's rowid, PostgreSQL's ctid (looked up as a list, which is a TID scan, not a join).
   */
  boundedDelete(table: string, where: string, limit: number): string;
  /** The integer pairs of one JSON array parameter (`[[a, b], …]`) as a table `alias` with the two columns named. */
  jsonIntPairs(alias: string, columns: readonly [string, string]): string;
  /**
   * Appended to a subquery: its rows of `alias` stay locked against updates until the transaction ends (PostgreSQL's
   * FOR SHARE); nothing on SQLite, whose writer holds the whole database.
   */
  lockShared(alias: string): string;
  /**
   * Appended to a read of rows the transaction is about to update: they stay locked against other writers until it
   * ends (PostgreSQL's FOR UPDATE); nothing on SQLite, where a transaction that has written holds the whole database.
   */
  readonly lockForUpdate: string;
}

const quoted = (column: string) => `"${column}"`;

export const sqlite: Dialect = {
  provider: 'sqlite',
  // SQLite's `->>` yields SQL integers, reals, text and NULL, which the columns' affinities take as they are.
  jsonRows: (_table, columns) => `(SELECT ${columns.map((c, i) => `value ->> ${i} AS ${quoted(c)}`).join(', ')} FROM json_each(?)) AS v`,
  jsonRowsOrdered: (_table, columns) =>
    `(SELECT ${columns.map((c, i) => `value ->> ${i} AS ${quoted(c)}`).join(', ')}, "key" + 1 AS "ordinality" FROM json_each(?)) AS v`,
  encodeRows: (_columns, rows) => JSON.stringify(rows),
  jsonIds: (alias) => `json_each(?) AS ${alias}`,
  inJsonIds: (column) => `${column} IN (SELECT value FROM json_each(?))`,
  joinRowsByIds: (table, alias, ids) => `JOIN "${table}" ${alias} ON ${alias}."id" IN (${ids})`,
  least: (a, b) => `min(${a}, ${b})`,
  greatest: (a, b) => `max(${a}, ${b})`,
  epochMs: (column) => `(unixepoch(${column}) * 1000)`,
  intDiv: (a, b) => `CAST((${a}) / (${b}) AS INTEGER)`,
  mergeSketches: (a, b) => `(SELECT json_group_object(key, total) FROM (SELECT key, sum(value) AS total FROM (
      SELECT key, value FROM json_each(${a}) UNION ALL SELECT key, value FROM json_each(${b})) GROUP BY key))`,
  boundedDelete: (table, where, limit) => `DELETE FROM "${table}" WHERE rowid IN (SELECT rowid FROM "${table}" WHERE ${where} LIMIT ${limit})`,
  jsonIntPairs: (alias, [a, b]) => `(SELECT value ->> 0 AS ${quoted(a)}, value ->> 1 AS ${quoted(b)} FROM json_each(?)) AS ${alias}`,
  lockShared: () => '',
  lockForUpdate: '',
};

/** The text PostgreSQL can hold: U+0000, which its text and jsonb refuse, becomes U+FFFD, the replacement character. */
export function storableOnPostgres(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

/** A JSON.stringify replacer applying storableOnPostgres to every string. */
function withoutNul(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? storableOnPostgres(value) : value;
}

export const postgresql: Dialect = {
  provider: 'postgresql',
  // Rows as objects keyed by column, so that jsonb_populate_recordset converts each value to its column's type.
  jsonRows: (table) => `jsonb_populate_recordset(NULL::"${table}", ?::jsonb) AS v`,
  jsonRowsOrdered: (table) => `jsonb_populate_recordset(NULL::"${table}", ?::jsonb) WITH ORDINALITY AS v`,
  encodeRows: (columns, rows) => {
    const objects = rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
    const text = JSON.stringify(objects);
    // PostgreSQL's text and jsonb refuse U+0000, which a push job's message or a target's answer may carry: the whole
    // statement failed, and with it every row of that kind in the batch, other sites' included. Only then is the
    // batch encoded again, with the character PostgreSQL can hold in its place.
    return text.includes('\\u0000') ? JSON.stringify(objects, withoutNul) : text;
  },
  jsonIds: (alias) => `(SELECT value::integer AS value FROM jsonb_array_elements_text(?::jsonb)) AS ${alias}`,
  inJsonIds: (column) => `${column} = ANY(ARRAY(SELECT value::integer FROM jsonb_array_elements_text(?::jsonb)))`,
  joinRowsByIds: (table, alias, ids) => `CROSS JOIN LATERAL (SELECT * FROM "${table}" WHERE "id" IN (${ids})) AS ${alias}`,
  least: (a, b) => `LEAST(${a}, ${b})`,
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  epochMs: (column) => `(extract(epoch FROM ${column}) * 1000)`,
  intDiv: (a, b) => `div(${a}, ${b})::integer`,
  // An empty aggregate is NULL here where SQLite's is '{}'; the result goes into a text or a jsonb column alike.
  mergeSketches: (a, b) => `(SELECT COALESCE(jsonb_object_agg(key, total), '{}'::jsonb) FROM (SELECT key, sum(value::bigint) AS total FROM (
      SELECT key, value FROM jsonb_each_text(${a}::jsonb) UNION ALL SELECT key, value FROM jsonb_each_text(${b}::jsonb)) AS e GROUP BY key) AS g)`,
  boundedDelete: (table, where, limit) => `DELETE FROM "${table}" WHERE ctid = ANY(ARRAY(SELECT ctid FROM "${table}" WHERE ${where} LIMIT ${limit}))`,
  jsonIntPairs: (alias, [a, b]) =>
    `(SELECT (e ->> 0)::integer AS ${quoted(a)}, (e ->> 1)::integer AS ${quoted(b)} FROM jsonb_array_elements(?::jsonb) AS e) AS ${alias}`,
  lockShared: (alias) => ` FOR SHARE OF ${alias}`,
  lockForUpdate: ' FOR UPDATE',
};

const DIALECTS: Readonly<Record<Provider, Dialect>> = { sqlite, postgresql };

export function dialectFor(provider: Provider): Dialect {
  return DIALECTS[provider];
}

/** One statement's text for each provider. */
export type Statement = Readonly<Record<Provider, string>>;

/**
 * Builds a statement for both providers. Placeholders are written `?`; PostgreSQL's are numbered `$1`, `$2`, ... in
 * order (so no PostgreSQL form may use jsonb's `?` operators, nor a `?` in a literal).
 */
export function statement(build: (d: Dialect) => string): Statement {
  let n = 0;
  return { sqlite: build(sqlite), postgresql: build(postgresql).replace(/\?/g, () => `$${++n}`) };
}

/** The dialect of a client opened by src/db/, or of one of its transaction or derived clients (see providerOf). */
export function dialectOf(db: Parameters<typeof providerOf>[0] | Pick<Db, '$executeRawUnsafe'>): Dialect {
  return DIALECTS[providerOf(db as Parameters<typeof providerOf>[0])];
}
