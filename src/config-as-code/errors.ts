import { ValidationError, type FieldIssue } from '../services/errors.ts';

/**
 * One problem in a config file. `field` is its path in the file (`monitors[2].interval`); `message` is the whole
 * line a person reads, `uptop.yaml:14: monitors[2].interval: must be at least 5 seconds`.
 */
export interface ConfigIssue extends FieldIssue {
  /** 1-based; null when the problem has no place in the file (it is empty, or names something absent). */
  line: number | null;
}

export function formatIssue(fileName: string, line: number | null, field: string, message: string): string {
  return `${fileName}${line === null ? '' : `:${line}`}: ${field ? `${field}: ` : ''}${message}`;
}

/**
 * A config file cannot be applied; nothing was changed. A ValidationError, so the API returns it as one, whose
 * issues also carry their line.
 */
export class ConfigFileError extends ValidationError {
  override name = 'ConfigFileError';
  declare readonly issues: readonly ConfigIssue[];

  constructor(
    readonly fileName: string,
    issues: readonly ConfigIssue[],
  ) {
    const [first, ...more] = issues;
    if (!first) throw new TypeError('a ConfigFileError needs at least one issue');
    super(first.field, first.message, more);
    this.issues = issues;
  }
}
