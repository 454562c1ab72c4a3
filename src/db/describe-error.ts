/** Prisma prefixes driver errors with an invocation banner; the last line holds the database's own message. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const lines = err.message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? err.name;
}
