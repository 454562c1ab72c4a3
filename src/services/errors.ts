/**
 * Expected failures of a service call. The GraphQL layer returns them as typed errors in the mutation's result
 * union (errors plugin); anything else is an unexpected error and is masked.
 */
export class AppError extends Error {
  override name = 'AppError';
}

/** One unusable input value: `field` names the input field (`url`, `alertChannelIds`, `settings.url`). */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * An input is unusable. `issues` lists every unusable value found, at least one; `field` and the message are the
 * first's, for clients that show one.
 */
export class ValidationError extends AppError {
  override name = 'ValidationError';
  readonly issues: readonly FieldIssue[];
  constructor(
    readonly field: string,
    message: string,
    more: readonly FieldIssue[] = [],
  ) {
    super(message);
    this.issues = [{ field, message }, ...more];
  }

  /** The error for a list of issues, which must not be empty. */
  static of(issues: readonly FieldIssue[]): ValidationError {
    const [first, ...more] = issues;
    if (!first) throw new TypeError('a ValidationError needs at least one issue');
    return new ValidationError(first.field, first.message, more);
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(readonly entity: string) {
    super(`${entity} not found`);
  }
}

/** The request contradicts the current state (a taken username, the last admin, a window already ended). */
export class ConflictError extends AppError {
  override name = 'ConflictError';
}

/**
 * The site is checked by another instance, which could not be asked or did not answer in time; a retry may succeed.
 * A ConflictError, so the mutations that list that type answer it typed.
 */
export class CheckElsewhereUnavailableError extends ConflictError {
  override name = 'CheckElsewhereUnavailableError';
}

/** The caller may not do this the way they signed in (an API token where a session is needed). */
export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
}

/** Unknown user or wrong password: one message for both, so the answer does not tell which. */
export class InvalidCredentialsError extends AppError {
  override name = 'InvalidCredentialsError';
  constructor() {
    super('invalid username or password');
  }
}

export class RateLimitedError extends AppError {
  override name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many attempts; try again in ${retryAfterSeconds} s`);
  }
}
