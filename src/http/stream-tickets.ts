import { createHash, randomBytes } from 'node:crypto';
import { RateLimiter } from '../auth/rate-limit.ts';
import type { Clock } from '../clock.ts';

/** How long a ticket may wait to be used: long enough to open an EventSource, too short to be worth stealing. */
export const STREAM_TICKET_TTL_MS = 30_000;
/** Unused tickets one credential may hold; minting more drops its oldest, so memory stays bounded. */
export const MAX_TICKETS_PER_CREDENTIAL = 10;
/** Tickets one user may mint per minute: a browser needs one per stream it opens. */
export const STREAM_TICKETS_PER_MINUTE = 60;
const PREFIX = 'ust_';

interface Ticket {
  /** The `Authorization` value the ticket stands for, resolved afresh when it is used. */
  authorization: string;
  owner: string;
  expiresAtMs: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Single-use, short-lived tickets that let a browser's `EventSource`, which can send neither `Authorization` nor
 * the CSRF header, open an SSE stream: `createStreamTicket` mints one for the caller's own credential, and
 * `/graphql?ticket=…` redeems it. Held in memory only (a restart invalidates the few outstanding ones, which a
 * client replaces by minting again); only hashes of the tickets are kept.
 */
export class StreamTickets {
  /** By ticket hash, in issue order, which with one TTL is also expiry order. */
  private readonly tickets = new Map<string, Ticket>();
  private readonly byOwner = new Map<string, string[]>();
  private readonly perUser: RateLimiter;

  constructor(private readonly clock: Clock) {
    this.perUser = new RateLimiter({ perMinute: STREAM_TICKETS_PER_MINUTE, clock });
  }

  /** A ticket standing for `authorization`, or how long `userId` must wait after minting too many. */
  issue(authorization: string, userId: number): { ticket: string; expiresAt: Date } | { retryAfterMs: number } {
    const key = String(userId);
    if (!this.perUser.take(key)) return { retryAfterMs: this.perUser.retryAfterMs(key) };
    this.sweep();
    const ticket = PREFIX + randomBytes(32).toString('base64url');
    const hash = sha256(ticket);
    const owner = sha256(authorization);
    const expiresAtMs = this.clock.nowMs() + STREAM_TICKET_TTL_MS;
    this.tickets.set(hash, { authorization, owner, expiresAtMs });
    const held = this.byOwner.get(owner) ?? [];
    held.push(hash);
    while (held.length > MAX_TICKETS_PER_CREDENTIAL) this.tickets.delete(held.shift()!);
    this.byOwner.set(owner, held);
    return { ticket, expiresAt: new Date(expiresAtMs) };
  }

  /** The `Authorization` value of a valid ticket, which is used up; null for one unknown, used or expired. */
  redeem(ticket: string): string | null {
    if (!ticket.startsWith(PREFIX)) return null;
    const hash = sha256(ticket);
    const found = this.tickets.get(hash);
    if (!found) return null;
    this.drop(hash, found);
    return found.expiresAtMs > this.clock.nowMs() ? found.authorization : null;
  }

  /** Tickets held now, for tests. */
  get size(): number {
    return this.tickets.size;
  }

  private drop(hash: string, ticket: Ticket): void {
    this.tickets.delete(hash);
    const held = this.byOwner.get(ticket.owner)?.filter((h) => h !== hash);
    if (held?.length) this.byOwner.set(ticket.owner, held);
    else this.byOwner.delete(ticket.owner);
  }

  private sweep(): void {
    const now = this.clock.nowMs();
    for (const [hash, ticket] of this.tickets) {
      if (ticket.expiresAtMs > now) break;
      this.drop(hash, ticket);
    }
  }
}

/** The ticket a request carries in its query string (`?ticket=`), or null. */
export function ticketOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url, 'http://localhost').searchParams.get('ticket');
  } catch {
    return null;
  }
}
