import type { z } from 'zod';
import { ValidationError } from './errors.ts';

/** Parses with a zod schema; its issues become one ValidationError, each naming its field path (`settings.url`). */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, fallbackField = 'input'): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw ValidationError.of(
    parsed.error.issues.map((issue) => ({
      field: issue.path.length ? issue.path.map(String).join('.') : fallbackField,
      message: issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message,
    })),
  );
}
