import { describe, expect, it } from 'vitest';
import { formatDuration, formatMs, formatPercent } from '../../console/src/status.ts';

describe("the console's figures", () => {
  it('an uptime is rounded down from what it is, not from the float the division left', () => {
    // 9,912 of 10,000 minutes up: the API's (up / total) * 100 is 99.11999999999999.
    expect(formatPercent((9912 / 10_000) * 100)).toBe('99.12%');
    expect(formatPercent((9984 / 10_000) * 100)).toBe('99.84%');
    // Still rounded down: a second of downtime in 30 days does not read as 100.
    expect(formatPercent(((30 * 86_400 - 1) / (30 * 86_400)) * 100)).toBe('99.99%');
    expect(formatPercent(99.129)).toBe('99.12%');
    expect(formatPercent(100)).toBe('100%');
  });

  it('a latency or a downtime that was measured is never shown as zero', () => {
    // A ping to a host next door answers in microseconds.
    expect(formatMs(0.031)).toBe('<1 ms');
    expect(formatMs(0.79)).toBe('1 ms');
    expect(formatMs(0)).toBe('0 ms');
    expect(formatMs(1499)).toBe('1.5 s');
    expect(formatDuration(0.4)).toBe('<1s');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(42)).toBe('42s');
  });
});
