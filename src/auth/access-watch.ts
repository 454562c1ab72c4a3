import type { Clock, TimerHandle } from '../clock.ts';

/**
 * Why a watched connection must stop: the credential it was opened with ended (logout, revocation, expiry, a
 * password change, deletion of its user), or its user's rights changed (a new role), so that everything it would
 * still deliver was authorized for someone who no longer exists.
 */
export type AccessEnd = 'ended' | 'changed';

/** The credential a connection was opened with. */
export interface Grant {
  userId: number;
  tokenHash: string;
}

type OnEnd = (why: AccessEnd) => void;

/** The open connections of one credential, and the grant the first was opened with. */
interface Connections<G extends Grant> {
  grant: G;
  watchers: Set<OnEnd>;
  expiry: TimerHandle | null;
}

/**
 * The open long-lived connections (graphql-ws sockets, SSE streams) by the credential they were opened with, so
 * that access ends when its grant does (DESIGN decision 13): the auth services report every credential that ends
 * and every change of rights, and the expiry of a session or API token is a timer on the injected clock. One timer
 * per credential, not per connection, and only while a connection opened with it is open.
 */
export class AccessWatch<G extends Grant = Grant> {
  private readonly byToken = new Map<string, Connections<G>>();
  private readonly tokensOfUser = new Map<number, Set<string>>();

  constructor(private readonly clock: Clock) {}

  /**
   * Calls `onEnd` once when the grant ends or its user's rights change. Returns the unwatch, to call when the
   * connection closes; it answers whether the connection was still watched (false once it has been ended).
   */
  watch(grant: G, onEnd: OnEnd): () => boolean {
    let connections = this.byToken.get(grant.tokenHash);
    if (!connections) {
      connections = { grant, watchers: new Set(), expiry: null };
      this.byToken.set(grant.tokenHash, connections);
      let tokens = this.tokensOfUser.get(grant.userId);
      if (!tokens) this.tokensOfUser.set(grant.userId, (tokens = new Set()));
      tokens.add(grant.tokenHash);
    }
    // A function per watch, so the same callback watched twice is two watchers.
    const watcher: OnEnd = (why) => onEnd(why);
    connections.watchers.add(watcher);
    return () => {
      const current = this.byToken.get(grant.tokenHash);
      if (!current?.watchers.delete(watcher)) return false;
      if (current.watchers.size === 0) this.forget(grant.tokenHash, current);
      return true;
    };
  }

  /** Ends the credential's connections at `atMs` unless they have all closed by then. */
  expireAt(tokenHash: string, atMs: number): void {
    const connections = this.byToken.get(tokenHash);
    if (!connections || connections.expiry) return;
    connections.expiry = this.clock.setTimeout(() => {
      connections.expiry = null;
      this.endToken(tokenHash, 'ended');
    }, atMs - this.clock.nowMs());
  }

  /** These credentials were deleted: every connection opened with one of them ends. */
  endTokens(tokenHashes: Iterable<string>): void {
    for (const tokenHash of tokenHashes) this.endToken(tokenHash, 'ended');
  }

  /** The credentials watched now, each as its first connection was opened with it. */
  grants(): G[] {
    return [...this.byToken.values()].map((connections) => connections.grant);
  }

  /** Every connection of this user ends: `changed` for new rights, `ended` when the user is gone. */
  endUser(userId: number, why: AccessEnd): void {
    for (const tokenHash of [...(this.tokensOfUser.get(userId) ?? [])]) this.endToken(tokenHash, why);
  }

  /** Connections watched now, for tests and metrics. */
  get size(): number {
    let n = 0;
    for (const { watchers } of this.byToken.values()) n += watchers.size;
    return n;
  }

  /** Every connection opened with this credential ends. */
  endToken(tokenHash: string, why: AccessEnd): void {
    const connections = this.byToken.get(tokenHash);
    if (!connections) return;
    // Forgotten first: a callback that unwatches, or opens a new connection, then finds a clean slate.
    this.forget(tokenHash, connections);
    for (const watcher of connections.watchers) watcher(why);
  }

  private forget(tokenHash: string, connections: Connections<G>): void {
    this.byToken.delete(tokenHash);
    if (connections.expiry) this.clock.clearTimeout(connections.expiry);
    connections.expiry = null;
    const { userId } = connections.grant;
    const tokens = this.tokensOfUser.get(userId);
    if (tokens?.delete(tokenHash) && tokens.size === 0) this.tokensOfUser.delete(userId);
  }
}
