import type { Clock } from '../clock.ts';
import type { Viewer } from './viewer.ts';

/** How long a resolved bearer token is trusted without the database; bounds how late a change made elsewhere (another process) is seen. */
export const VIEWER_CACHE_TTL_MS = 30_000;
/** Enough for every signed-in client of a self-hosted install; past it the oldest entries go first. */
export const VIEWER_CACHE_MAX_ENTRIES = 10_000;

/** The row a bearer token resolved to: the viewer, and what `lastUsedAt` bookkeeping and expiry need. */
export interface Credential {
  viewer: Viewer;
  /** The session's or API token's row id. */
  rowId: number;
  /** When the session or API token expires; null for an API token without an expiry, which lasts until revoked. */
  expiresAtMs: number | null;
  /** Last recorded use; updated in place when a newer use is recorded. */
  lastUsedAt: Date | null;
}

interface Entry {
  credential: Credential;
  cachedAtMs: number;
}

/**
 * Token hash → credential, so a request does not read the session or API token and its user from the database.
 * An entry lives at most `ttlMs`, and never past its credential's expiry. Every change that must take effect
 * at once (logout, password, role, name, deletion, revocation) calls `forgetToken` or `forgetUser` after it commits.
 *
 * A lookup that read the database while such a change committed could store what it read after the change had
 * forgotten it: `generation` counts the changes, and `store` refuses a read that started before the latest one.
 */
export class ViewerCache {
  private readonly entries = new Map<string, Entry>();
  private changes = 0;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(options: { clock: Clock; ttlMs?: number; maxEntries?: number }) {
    this.clock = options.clock;
    this.ttlMs = options.ttlMs ?? VIEWER_CACHE_TTL_MS;
    this.maxEntries = options.maxEntries ?? VIEWER_CACHE_MAX_ENTRIES;
  }

  /** Take this before reading a credential from the database, and hand it to `store` with what was read. */
  get generation(): number {
    return this.changes;
  }

  /** The credential cached for this token hash, or undefined when absent, older than the TTL, or expired. */
  lookup(tokenHash: string): Credential | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    const nowMs = this.clock.nowMs();
    const { expiresAtMs } = entry.credential;
    if (nowMs - entry.cachedAtMs >= this.ttlMs || (expiresAtMs !== null && expiresAtMs <= nowMs)) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry.credential;
  }

  /** Caches what a read that started at `generation` found; false (nothing stored) when a change committed since. */
  store(tokenHash: string, credential: Credential, generation: number): boolean {
    if (generation !== this.changes) return false;
    this.entries.delete(tokenHash);
    if (this.entries.size >= this.maxEntries) {
      // A Map iterates in insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(tokenHash, { credential, cachedAtMs: this.clock.nowMs() });
    return true;
  }

  /** One token ended (logout). */
  forgetToken(tokenHash: string): void {
    this.changes++;
    this.entries.delete(tokenHash);
  }

  /** Any credential may have changed: another instance's changes may have been missed (its messages were lost). */
  forgetAll(): void {
    this.changes++;
    this.entries.clear();
  }

  /** Everything about a user's credentials may have changed: role, name, password, existence, their tokens. */
  forgetUser(userId: number): void {
    this.changes++;
    for (const [tokenHash, entry] of this.entries) {
      if (entry.credential.viewer.userId === userId) this.entries.delete(tokenHash);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
