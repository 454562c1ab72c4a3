import type { CheckResult } from './types.ts';

export const MAX_MESSAGE_LENGTH = 256;

/** Caps a reason at 256 chars, ending in "..." when cut (the UI and the DB rely on the bound). */
export function truncateMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_LENGTH) return message;
  return `${message.slice(0, MAX_MESSAGE_LENGTH - 3)}...`;
}

type ResultFields = Partial<Omit<CheckResult, 'status' | 'message'>>;

/**
 * The longest latency a report from outside (a push's `ping`, a probe's `latency_ns`) may give: one whose nanoseconds,
 * as the Go-shaped status JSON and the probe wire carry them, are still a whole number (about 104 days). A push of
 * `ping=1e308` became Infinity here, which the metrics refused in the middle of applying the beat.
 */
export const MAX_LATENCY_MS = Number.MAX_SAFE_INTEGER / 1e6;

/**
 * A latency to the microsecond, as every latency uptop records is kept. The digits `performance.now()` gives past it
 * are noise (93.84728374629384 ms), and they cost: a dashboard's 6,000 sparkline latencies took a sixth longer to
 * write as JSON with them.
 */
export function microseconds(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function upResult(fields: ResultFields = {}): CheckResult {
  return {
    status: 'UP',
    statusCode: fields.statusCode ?? null,
    latencyMs: fields.latencyMs == null ? null : microseconds(fields.latencyMs),
    hasSsl: fields.hasSsl ?? false,
    certExpiresAt: fields.certExpiresAt ?? null,
    message: '',
  };
}

export function downResult(message: string, fields: ResultFields = {}): CheckResult {
  return { ...upResult(fields), status: 'DOWN', message: truncateMessage(message) };
}

/**
 * The text of anything thrown, for a DOWN reason. A connection to a name with several addresses fails, once every
 * address has, with an AggregateError of no message of its own (net's happy eyeballs): its reason is that of each.
 */
export function errorText(err: unknown): string {
  if (err instanceof AggregateError && !err.message && err.errors.length > 0) return [...new Set(err.errors.map(errorText))].join('; ');
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
