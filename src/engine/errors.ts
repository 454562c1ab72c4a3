/** A command named a site that is not in the database (nor in the engine). */
export class UnknownSiteError extends Error {
  override name = 'UnknownSiteError';
  constructor(readonly siteId: number) {
    super(`site ${siteId} does not exist`);
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
