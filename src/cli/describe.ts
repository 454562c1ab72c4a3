import { ConfigError } from '../config.ts';
import { ConfigFileError } from '../config-as-code/index.ts';
import { AppError, ValidationError } from '../services/errors.ts';
import { describeError } from '../db/describe-error.ts';
import { CliError, UsageError } from './errors.ts';

/**
 * What failed and, for a bad input, which field: one line for stderr, or for a config file a line per problem (a file
 * of a thousand monitors may have a thousand).
 */
export function describeFailure(err: unknown): string {
  if (err instanceof ConfigError) return `Invalid configuration: ${err.issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`;
  // Its messages name the file, line and field already: `uptop.yaml:14: monitors[2].interval: ...`.
  if (err instanceof ConfigFileError) return err.issues.map((i) => i.message).join('\n');
  if (err instanceof ValidationError) return err.issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  if (err instanceof AppError || err instanceof CliError || err instanceof UsageError) return err.message;
  // Prisma puts its invocation banner first and the database's own message last.
  return describeError(err);
}
