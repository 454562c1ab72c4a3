import { describe, expect, it } from 'vitest';
import { PasswordAttempts, RateLimiter } from '../../src/auth/rate-limit.ts';
import { FakeClock } from '../../src/clock.ts';

function drain(limiter: RateLimiter, key: string, attempts: number): number {
  let allowed = 0;
  for (let i = 0; i < attempts; i++) if (limiter.take(key)) allowed++;
  return allowed;
}

describe('RateLimiter', () => {
  it('allows a burst of perMinute, then refuses', () => {
    const limiter = new RateLimiter({ perMinute: 60, clock: new FakeClock() });
    expect(drain(limiter, 'a', 100)).toBe(60);
    expect(limiter.take('a')).toBe(false);
  });

  it('refills perMinute/60 tokens per second', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ perMinute: 60, clock });
    drain(limiter, 'a', 60);
    clock.advance(999);
    expect(limiter.take('a')).toBe(false);
    clock.advance(1);
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
    clock.advance(10_000);
    expect(drain(limiter, 'a', 100)).toBe(10);
  });

  it('refills to at most the burst', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ perMinute: 6, clock });
    drain(limiter, 'a', 6);
    clock.advance(3_600_000);
    expect(drain(limiter, 'a', 100)).toBe(6);
  });

  it('keeps keys apart', () => {
    const limiter = new RateLimiter({ perMinute: 2, clock: new FakeClock() });
    expect(drain(limiter, 'a', 5)).toBe(2);
    expect(drain(limiter, 'b', 5)).toBe(2);
  });

  it('says how long until a refused key may pass', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ perMinute: 2, clock });
    expect(limiter.retryAfterMs('a')).toBe(0);
    drain(limiter, 'a', 2);
    expect(limiter.retryAfterMs('a')).toBe(30_000);
    clock.advance(20_000);
    expect(limiter.retryAfterMs('a')).toBe(10_000);
    clock.advance(10_000);
    expect(limiter.retryAfterMs('a')).toBe(0);
  });

  it('holds at most maxKeys keys, dropping the least recently used', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ perMinute: 1, clock, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) expect(limiter.take(key)).toBe(true);
    expect(limiter.take('a')).toBe(false); // 'a' is now the most recently used
    expect(limiter.take('d')).toBe(true); // evicts 'b'
    expect(limiter.size).toBe(3);
    expect(limiter.take('a')).toBe(false);
    expect(limiter.take('c')).toBe(false);
    expect(limiter.take('b')).toBe(true); // forgotten, so a fresh bucket
  });

  it('forgets keys idle long enough to be full again, and only those', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ perMinute: 60, clock });
    for (let i = 0; i < 100; i++) limiter.take(`idle-${i}`);
    clock.advance(30_000);
    limiter.take('recent');
    clock.advance(30_000);
    limiter.take('trigger');
    expect(limiter.size).toBe(2);
  });

  it('refuses a non-positive rate or key cap', () => {
    expect(() => new RateLimiter({ perMinute: 0, clock: new FakeClock() })).toThrow(RangeError);
    expect(() => new RateLimiter({ perMinute: Number.NaN, clock: new FakeClock() })).toThrow(RangeError);
    expect(() => new RateLimiter({ perMinute: 5, clock: new FakeClock(), maxKeys: 0 })).toThrow(RangeError);
  });
});

describe('PasswordAttempts', () => {
  const attempts = () => new PasswordAttempts({ perIpPerMinute: 100, failuresPerUserPerMinute: 2, clock: new FakeClock(0) });

  it("refuses every client once the username's failures are spent, but one that signed in to it before", () => {
    const limits = attempts();
    limits.succeeded('10.0.0.5', 'admin');
    for (const guess of ['Admin', 'admin']) limits.failed('203.0.113.9', guess);
    expect(limits.admit('203.0.113.9', 'admin')).toBeGreaterThan(0);
    expect(limits.admit('198.51.100.7', 'admin')).toBeGreaterThan(0);
    expect(limits.admit('10.0.0.5', 'admin')).toBe(0);
  });

  it('holds a known client to its own failures, which no username typed elsewhere can spend', () => {
    const limits = attempts();
    limits.succeeded('10.0.0.5', 'admin');
    for (const name of ['client 10.0.0.5 admin', 'admin\n10.0.0.5']) limits.failed('203.0.113.9', name);
    expect(limits.admit('10.0.0.5', 'admin')).toBe(0);
    limits.failed('10.0.0.5', 'admin');
    limits.failed('10.0.0.5', 'admin');
    expect(limits.admit('10.0.0.5', 'admin')).toBeGreaterThan(0);
  });
});
