/**
 * A Date in the text form the better-sqlite3 adapter stores (`YYYY-MM-DDTHH:MM:SS.mmm+00:00`). Raw SQL that
 * writes or compares DateTime columns must use exactly this form: Prisma reads it back as a Date, and text
 * comparison orders it correctly only when every row has the same shape. PostgreSQL reads the same text into its
 * `timestamp(3)` columns (a `timestamp` ignores the offset, and the time is UTC), so one form serves both stores.
 */
export function toSqlDate(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

export function toSqlDateOrNull(date: Date | null): string | null {
  return date === null ? null : toSqlDate(date);
}

const STORABLE_MIN_MS = Date.parse('0000-01-01T00:00:00.000Z');
const STORABLE_MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** Why a time outside the storable range is refused; the same words wherever a time comes in. */
export const STORABLE_DATE_RANGE = 'must be between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in UTC';

/**
 * A time the stores can keep and compare: Prisma cannot write a year past 9999 (an internal error, not an answer),
 * and toSqlDate writes it as `+010000-…`, which raw SQL sorts before every four-digit year. An input whose offset
 * still says 9999 (`9999-12-31T23:00:00-05:00`) is such a year in UTC, so the range is checked on the instant.
 */
export function isStorableDate(date: Date): boolean {
  const ms = date.getTime();
  return ms >= STORABLE_MIN_MS && ms <= STORABLE_MAX_MS;
}
