/**
 * An alert service's HTTP error answer. A 429 carries the service's `Retry-After`, which the dispatcher honours: the
 * service said the request was not processed and when to come back, so waiting and sending again cannot duplicate an
 * alert (unlike a retry after a 5xx, which may have been acted on; uptop does not retry those, as the Go original).
 */
export class AlertHttpError extends Error {
  override name = 'AlertHttpError';
  constructor(
    message: string,
    readonly status: number,
    /** The raw `Retry-After` header, if any. */
    readonly retryAfter: string | undefined,
  ) {
    super(message);
  }
}

/** How long to wait after a 429 that names no time: Discord, Slack and Telegram name one, a small ntfy may not. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;

/**
 * Milliseconds the service asked to wait, when `err` is its 429 answer; null for any other failure. `Retry-After` is
 * delta-seconds (fractions allowed, as Discord sends) or an HTTP date, read against `nowMs`.
 */
export function rateLimitWaitMs(err: unknown, nowMs: number): number | null {
  if (!(err instanceof AlertHttpError) || err.status !== 429) return null;
  const header = err.retryAfter?.trim();
  if (!header) return DEFAULT_RATE_LIMIT_WAIT_MS;
  if (/^\d+(\.\d+)?$/.test(header)) return Math.ceil(Number(header) * 1000);
  // Date.parse reads bare numbers such as "-5" as years: only a date that names its month or day is one.
  const at = /[a-z]/i.test(header) ? Date.parse(header) : Number.NaN;
  return Number.isNaN(at) ? DEFAULT_RATE_LIMIT_WAIT_MS : Math.max(0, at - nowMs);
}
