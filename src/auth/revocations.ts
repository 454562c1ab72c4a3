import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EventCarrier } from '../engine/events.ts';
import type { Logger } from '../log.ts';

/**
 * A change of access that each instance applies to what it holds in memory (its viewer cache, its open
 * subscriptions), as sessions.ts does on the instance that made the change.
 */
const revocation = z.discriminatedUnion('what', [
  /** These tokens ended and nothing else about their users changed (logout, a login's evicted sessions). */
  z.object({ what: z.literal('tokens'), tokenHashes: z.array(z.string()) }),
  /** Some of a user's tokens ended, and the user's other cached credentials are read again (password change, revocation). */
  z.object({ what: z.literal('userTokens'), userId: z.number().int(), tokenHashes: z.array(z.string()) }),
  /** A user changed (role, name, password, existence); with `access`, their open subscriptions end. */
  z.object({ what: z.literal('user'), userId: z.number().int(), access: z.enum(['ended', 'changed']).nullable() }),
]);
export type Revocation = z.infer<typeof revocation>;

/** How revocations reach the other instances. */
export interface RevocationChannel {
  /** Tells every other instance, which applies it as this one already did; never throws. */
  publish(revocation: Revocation): void;
  /**
   * What this instance does with a revocation made on another, and when some may have been missed (the channel was
   * lost for a while and is back): `resync` then checks everything it holds again.
   */
  subscribe(handlers: { apply(revocation: Revocation): void; resync(): void }): void;
}

/** The channel all instances listen on. */
export const REVOCATION_CHANNEL = 'uptop:access:revoked';

const message = z.object({ origin: z.string(), revocation });

/** A carrier every instance shares (yoga's Redis event target), and word of when it came back after a loss. */
export interface SharedCarrier {
  target: EventCarrier;
  /** `listener` runs each time the carrier is back after a loss; what was sent meanwhile did not arrive. */
  onReconnect(listener: () => void): void;
}

/**
 * Revocations over a carrier every instance shares. Each instance tags what it sends with its own id and skips its
 * own messages when they come back: it applied them when it made the change.
 */
export function sharedRevocations(shared: SharedCarrier, logger: Logger): RevocationChannel {
  const carrier = shared.target;
  const origin = randomUUID();
  return {
    publish(revocation) {
      carrier.dispatchEvent(new CustomEvent(REVOCATION_CHANNEL, { detail: { origin, revocation } }));
    },
    subscribe({ apply, resync }) {
      shared.onReconnect(resync);
      carrier.addEventListener(REVOCATION_CHANNEL, (event) => {
        const { detail } = event as CustomEvent;
        // Null: not readable at all, which the carrier has logged.
        if (detail === null) return;
        const parsed = message.safeParse(detail);
        if (!parsed.success) {
          logger.error({ issues: parsed.error.issues }, `ignored an unreadable message on ${REVOCATION_CHANNEL}`);
          return;
        }
        if (parsed.data.origin !== origin) apply(parsed.data.revocation);
      });
    },
  };
}
