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
