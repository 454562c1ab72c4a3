import type { z } from 'zod';
import { ValidationError, type FieldIssue } from './errors.ts';

/**
 * Parses with a zod schema; its issues, after any found before it (`earlier`), become one ValidationError, each
 * naming its field path (`settings.url`).
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, fallbackField = 'input', earlier: readonly FieldIssue[] = []): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success && !earlier.length) return parsed.data;
  const issues = (parsed.error?.issues ?? []).map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join('.') : fallbackField,
    message: issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message,
  }));
  throw ValidationError.of([...earlier, ...issues]);
}
