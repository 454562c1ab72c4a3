import { z } from 'zod';
import { ValidationError, type FieldIssue } from './errors.ts';

/**
 * Parses with a zod schema; its issues, after any found before it (`earlier`), become one ValidationError, each
 * naming its field path (`settings.url`).
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, fallbackField = 'input', earlier: readonly FieldIssue[] = []): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success && !earlier.length) return parsed.data;
  throw ValidationError.of([...earlier, ...fieldIssuesOf(parsed.error, fallbackField)]);
}

/** A zod error's issues, each naming its field path (`settings.url`), or `fallbackField` for the whole input. */
export function fieldIssuesOf(error: z.ZodError | undefined, fallbackField = 'input'): FieldIssue[] {
  return (error?.issues ?? []).map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join('.') : fallbackField,
    message: issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message,
  }));
}

/**
 * Refuses an explicit null on fields an update cannot clear, rather than reading it as "unchanged": a client's mistake
 * is then not silently ignored. Every such field is named in one ValidationError.
 */
export function refuseNulls<T extends object>(input: T, fields: readonly (keyof T & string)[]): void {
  const nulls = fields.filter((field) => input[field] === null);
  if (nulls.length) throw ValidationError.of(nulls.map((field) => ({ field, message: 'must not be null' })));
}

/**
 * Control characters (NUL, line breaks, terminal escapes): a name or title is shown on one line (lists, alert titles,
 * logs, the status page), where they forge or garble text, and PostgreSQL refuses a NUL byte in any text column.
 */
export const hasNoControlCharacters = (text: string) => !/\p{Cc}/u.test(text);
export const NO_CONTROL_CHARACTERS = 'must not contain control characters (such as NUL or a line break)';

/** Free text keeps its line breaks and tabs; only the NUL byte PostgreSQL refuses is refused. */
export const hasNoNul = (text: string) => !text.includes('\u0000');
export const NO_NUL = 'must not contain a NUL byte';

/** A required name or title: trimmed, not empty, at most `max` characters, on one line. */
export const nameText = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).refine(hasNoControlCharacters, NO_CONTROL_CHARACTERS);
