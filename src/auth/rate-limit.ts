import type { Clock } from '../clock.ts';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** The Go original's cap on remembered clients. */
const DEFAULT_MAX_KEYS = 10_000;

/**
 * A token bucket per key: a burst of `perMinute`, refilled at `perMinute / 60` per second, on the injected clock.
 *
 * A bucket refills completely within one minute, and a full bucket behaves exactly like an absent one, so keys
 * idle for a minute are dropped (swept lazily from `take`, no timer to stop). At most `maxKeys` keys are held;
 * beyond that the least recently used one is dropped, which can only ever make a limit more lenient.
 */
export class RateLimiter {
  private readonly burst: number;
  private readonly refillPerMs: number;
  private readonly fullAfterMs: number;
  private readonly clock: Clock;
  private readonly maxKeys: number;
  /** In least-recently-used order: `take` re-inserts the key it touches. */
  private readonly buckets = new Map<string, Bucket>();
  private nextSweepMs: number;

  constructor(opts: { perMinute: number; clock: Clock; maxKeys?: number }) {
    if (!(opts.perMinute > 0) || !Number.isFinite(opts.perMinute)) {
      throw new RangeError(`RateLimiter: perMinute must be a positive number (got ${opts.perMinute})`);
    }
    const maxKeys = opts.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`RateLimiter: maxKeys must be a positive integer (got ${maxKeys})`);
    this.burst = opts.perMinute;
    this.refillPerMs = opts.perMinute / 60_000;
    this.fullAfterMs = 60_000;
    this.clock = opts.clock;
    this.maxKeys = maxKeys;
    this.nextSweepMs = this.clock.nowMs() + this.fullAfterMs;
  }

  /** Spends one token for `key`; false when its bucket is empty (the caller should refuse the request). */
  take(key: string): boolean {
    const now = this.clock.nowMs();
    if (now >= this.nextSweepMs) this.sweep(now);

    const bucket = this.buckets.get(key);
    let tokens = this.burst;
    if (bucket) {
      this.buckets.delete(key);
      tokens = Math.min(this.burst, bucket.tokens + Math.max(0, now - bucket.updatedMs) * this.refillPerMs);
    } else if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }

    const allowed = tokens >= 1;
    this.buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, updatedMs: now });
    return allowed;
  }

  /** Milliseconds until `key` may pass again; 0 when it may pass now. For a `Retry-After` header. */
  retryAfterMs(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    const tokens = bucket.tokens + Math.max(0, this.clock.nowMs() - bucket.updatedMs) * this.refillPerMs;
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.refillPerMs);
  }

  /** Keys currently remembered, for tests and metrics. */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets that have refilled completely; the map is in LRU order, so the scan stops at the first fresh one. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedMs < this.fullAfterMs) break;
      this.buckets.delete(key);
    }
    this.nextSweepMs = now + this.fullAfterMs;
  }
}

/**
 * Password checks (each a 32 MiB scrypt) allowed per client IP, and failed ones per username: a client spreading
 * its guesses over many IPs still meets the account's limit. Only failures count against a username, so the
 * account's owner signing in normally never fills it; while it is full, every check of that account is refused,
 * which is the price of refusing guesses from everywhere.
 */
export class PasswordAttempts {
  private readonly perIp: RateLimiter;
  private readonly failuresPerUser: RateLimiter;

  constructor(opts: { perIpPerMinute: number; failuresPerUserPerMinute: number; clock: Clock }) {
    this.perIp = new RateLimiter({ perMinute: opts.perIpPerMinute, clock: opts.clock });
    this.failuresPerUser = new RateLimiter({ perMinute: opts.failuresPerUserPerMinute, clock: opts.clock });
  }

  /** Spends one attempt of the IP's; the milliseconds to wait when the IP or the username is out of attempts, else 0. */
  admit(clientIp: string, username: string): number {
    const userWait = this.failuresPerUser.retryAfterMs(userKey(username));
    if (userWait > 0) return userWait;
    return this.perIp.take(clientIp) ? 0 : Math.max(1, this.perIp.retryAfterMs(clientIp));
  }

  /** The password was wrong (or the user unknown): counts against the username. */
  failed(username: string): void {
    this.failuresPerUser.take(userKey(username));
  }
}

/** Usernames are matched exactly, but `Admin` and `admin` are one target for a guesser. */
function userKey(username: string): string {
  return username.toLowerCase();
}
