import type { z } from 'zod';
import { ValidationError } from './errors.ts';

/** Parses with a zod schema; the first issue becomes a ValidationError naming its field path (`settings.url`). */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, fallbackField = 'input'): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join('.') : fallbackField;
  const message = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message;
  throw new ValidationError(field, message);
}
