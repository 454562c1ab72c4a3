import { describe, expect, it } from 'vitest';
import { AlertHttpError, DEFAULT_RATE_LIMIT_WAIT_MS, rateLimitWaitMs } from '../../src/alerts/rate-limit.ts';

const NOW = Date.UTC(2026, 0, 1);
const refused = (retryAfter?: string, status = 429) => new AlertHttpError(`alert webhook returned HTTP ${status}`, status, retryAfter);

describe('rateLimitWaitMs', () => {
  it('reads Retry-After in seconds, fractions as Discord sends them rounded up to the millisecond', () => {
    expect(rateLimitWaitMs(refused('30'), NOW)).toBe(30_000);
    expect(rateLimitWaitMs(refused(' 0.2505 '), NOW)).toBe(251);
    expect(rateLimitWaitMs(refused('0'), NOW)).toBe(0);
  });

  it('reads an HTTP date against now, a past one as no wait', () => {
    expect(rateLimitWaitMs(refused('Thu, 01 Jan 2026 00:00:45 GMT'), NOW)).toBe(45_000);
    expect(rateLimitWaitMs(refused('Wed, 31 Dec 2025 23:00:00 GMT'), NOW)).toBe(0);
  });

  it('waits a second when the 429 names no time or one it cannot read', () => {
    expect(rateLimitWaitMs(refused(), NOW)).toBe(DEFAULT_RATE_LIMIT_WAIT_MS);
    expect(rateLimitWaitMs(refused('soon'), NOW)).toBe(DEFAULT_RATE_LIMIT_WAIT_MS);
    expect(rateLimitWaitMs(refused('-5'), NOW)).toBe(DEFAULT_RATE_LIMIT_WAIT_MS);
  });

  it('answers null for anything but a 429: other statuses and other errors are failures', () => {
    expect(rateLimitWaitMs(refused('5', 503), NOW)).toBeNull();
    expect(rateLimitWaitMs(new Error('connect ECONNREFUSED'), NOW)).toBeNull();
  });
});
