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

/** Clients remembered as having signed in to an account, at most (the least recently used one is forgotten first). */
const MAX_KNOWN_CLIENTS = 10_000;

/**
 * Password checks (each a 32 MiB scrypt) allowed per client IP, and failed ones per username: a client spreading
 * its guesses over many IPs still meets the account's limit. Only failures count against a username, so the
 * account's owner signing in normally never fills it. A client that signed in to the account before is held to its
 * own failures there instead of everyone's: while a guesser elsewhere fills the username's limit, which refuses
 * every other client, the admin can still sign in from where they usually do.
 */
export class PasswordAttempts {
  private readonly perIp: RateLimiter;
  /** Keyed by username, or by username and client for a known client. */
  private readonly failures: RateLimiter;
  /** Known clients' `knownKey`s, in least-recently-used order. */
  private readonly known = new Set<string>();

  constructor(opts: { perIpPerMinute: number; failuresPerUserPerMinute: number; clock: Clock }) {
    this.perIp = new RateLimiter({ perMinute: opts.perIpPerMinute, clock: opts.clock });
    this.failures = new RateLimiter({ perMinute: opts.failuresPerUserPerMinute, clock: opts.clock });
  }

  /** Spends one attempt of the client's; the milliseconds to wait when the client or the username is out of attempts, else 0. */
  admit(clientKey: string, username: string): number {
    const userWait = this.failures.retryAfterMs(this.failureKey(clientKey, username));
    if (userWait > 0) return userWait;
    return this.perIp.take(clientKey) ? 0 : Math.max(1, this.perIp.retryAfterMs(clientKey));
  }

  /** The password was wrong (or the user unknown): counts against the username, and against a known client's own limit. */
  failed(clientKey: string, username: string): void {
    this.failures.take(userKey(username));
    const known = knownKey(clientKey, username);
    if (this.known.has(known)) this.failures.take(known);
  }

  /** The password was right: from now on this client meets only its own failures on this username. */
  succeeded(clientKey: string, username: string): void {
    const key = knownKey(clientKey, username);
    this.known.delete(key);
    this.known.add(key);
    if (this.known.size > MAX_KNOWN_CLIENTS) this.known.delete(this.known.values().next().value!);
  }

  private failureKey(clientKey: string, username: string): string {
    const known = knownKey(clientKey, username);
    return this.known.has(known) ? known : userKey(username);
  }
}

/**
 * The two kinds of key start differently, so no username a guesser types (any text, at login) can name a known
 * client's key and fill its limit.
 */
function knownKey(clientKey: string, username: string): string {
  return `client ${clientKey} ${username.toLowerCase()}`;
}

/** Usernames are matched exactly, but `Admin` and `admin` are one target for a guesser. */
function userKey(username: string): string {
  return `user ${username.toLowerCase()}`;
}
