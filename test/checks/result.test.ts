import { describe, expect, it } from 'vitest';
import { downResult, MAX_MESSAGE_LENGTH, microseconds, truncateMessage, upResult } from '../../src/engine/checks/result.ts';
import { targetHost, timeoutSeconds } from '../../src/engine/checks/target.ts';

describe('truncateMessage', () => {
  it('keeps messages up to 256 chars and cuts longer ones to 256 ending in "..."', () => {
    expect(truncateMessage('x'.repeat(MAX_MESSAGE_LENGTH))).toBe('x'.repeat(256));
    const cut = truncateMessage('y'.repeat(300));
    expect(cut).toHaveLength(256);
    expect(cut).toBe(`${'y'.repeat(253)}...`);
  });

  it('applies to every DOWN result', () => {
    expect(downResult('z'.repeat(1000)).message).toHaveLength(256);
  });
});

describe('latency', () => {
  it('is kept to the microsecond in every result', () => {
    expect(microseconds(93.84728374629384)).toBe(93.847);
    expect(microseconds(0.0004)).toBe(0);
    expect(upResult({ latencyMs: 12.3456789 }).latencyMs).toBe(12.346);
    expect(downResult('refused', { latencyMs: 0.0015 }).latencyMs).toBe(0.002);
    expect(upResult().latencyMs).toBeNull();
  });
});

describe('timeoutSeconds', () => {
  it('defaults 0 to 5 s, like the original siteTimeout', () => {
    expect(timeoutSeconds({ timeout: 0 })).toBe(5);
    expect(timeoutSeconds({ timeout: 10 })).toBe(10);
  });
});

describe('targetHost', () => {
  it('prefers hostname, then the host of url, then url as a bare name', () => {
    expect(targetHost({ hostname: 'db.internal', url: 'https://example.com' })).toBe('db.internal');
    expect(targetHost({ hostname: null, url: 'https://example.com:8443/health' })).toBe('example.com');
    expect(targetHost({ hostname: '', url: 'example.org' })).toBe('example.org');
    expect(targetHost({ hostname: null, url: 'http://[::1]:8080/' })).toBe('::1');
    expect(targetHost({ hostname: '[2001:db8::1]', url: null })).toBe('2001:db8::1');
    expect(targetHost({ hostname: null, url: null })).toBe('');
  });
});
