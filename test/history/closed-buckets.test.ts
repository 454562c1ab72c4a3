import { describe, expect, it } from 'vitest';
import { ClosedBucketCache, LATE_WATCH_MS } from '../../src/history/closed-buckets.ts';

describe('ClosedBucketCache late-check watches', () => {
  it('end when they run out, though their sites are never read: months of late checks from ever new sites stay bounded', () => {
    const cache = new ClosedBucketCache();
    const start = Date.UTC(2026, 0, 1);
    const everyMs = 1000;
    // A late check a second, each from a site that is never read again (deleted, or on no dashboard): 100,000 sites.
    for (let i = 0; i < 100_000; i++) cache.noteLateCheck(i + 1, start + i * everyMs);
    expect(cache.watchedSites).toBeLessThanOrEqual(LATE_WATCH_MS / everyMs + 1);
  });

  it('keep watching a site for LATE_WATCH_MS after its latest late check, whatever other sites note meanwhile', () => {
    const cache = new ClosedBucketCache();
    const start = Date.UTC(2026, 0, 1);
    cache.noteLateCheck(1, start);
    cache.noteLateCheck(2, start + 1000);
    cache.noteLateCheck(1, start + 2000);
    cache.noteLateCheck(3, start + LATE_WATCH_MS + 1500);
    expect(cache.suspect(2, start + LATE_WATCH_MS + 1500)).toBe(false);
    expect(cache.suspect(1, start + LATE_WATCH_MS + 1500)).toBe(true);
    expect(cache.suspect(1, start + LATE_WATCH_MS + 2000)).toBe(false);
    expect(cache.suspect(3, start + LATE_WATCH_MS + 2000)).toBe(true);
  });
});

describe('ClosedBucketCache.clear', () => {
  it('forgets every kept bucket, so the next read takes them from the rows (late checks went unheard while Redis was away)', () => {
    const cache = new ClosedBucketCache();
    cache.set('site 1 hour', [undefined, undefined]);
    cache.set('site 2 hour', [undefined]);
    expect(cache.size).toBe(2);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('site 1 hour')).toBeUndefined();
    cache.set('site 1 hour', [undefined]);
    expect(cache.get('site 1 hour')).toEqual([undefined]);
  });
});
