/** A command named a site that is not in the database (nor in the engine). */
export class UnknownSiteError extends Error {
  override name = 'UnknownSiteError';
  constructor(readonly siteId: number) {
    super(`site ${siteId} does not exist`);
  }
}

/**
 * `checkNow` on an instance that does not check the site: the instance that does could not be asked (no shared event
 * bus, Redis away), or did not answer in time.
 */
export class CheckElsewhereError extends Error {
  override name = 'CheckElsewhereError';
  constructor(
    readonly siteId: number,
    readonly why: 'unreachable' | 'no-answer',
  ) {
    super(
      why === 'unreachable'
        ? `site ${siteId} is checked by another instance, which could not be reached; try again`
        : `site ${siteId} is checked by another instance, which did not report the check in time; try again`,
    );
  }
}

/** A recurring maintenance window's cron, duration or timezone cannot be used; `field` names which. */
export class RecurrenceError extends Error {
  override name = 'RecurrenceError';

  constructor(
    readonly field: 'recurrence' | 'durationMinutes' | 'timezone',
    message: string,
  ) {
    super(message);
  }
}
