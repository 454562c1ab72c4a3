import { RateLimiter } from '../auth/rate-limit.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { EngineApi, HeartbeatResult, PushReport } from '../engine/types.ts';

/** Failed push attempts (no token or an unknown one) allowed per client IP and minute. */
export const FAILED_PUSH_ATTEMPTS_PER_MINUTE = 60;

/** `unavailable`: the beat is for a site another instance checks, and it could not be handed to it (Redis away). */
export type HeartbeatOutcome =
  | { status: 'ok'; siteId: number }
  | { status: 'missing' }
  | { status: 'invalid' }
  | { status: 'limited'; retryAfterMs: number }
  | { status: 'unavailable' };

export interface HeartbeatService {
  /**
   * `report` carries what Uptime Kuma's push URL may say: a failure, its message, a latency. Resolves once the beat is
   * taken: for a site another instance checks, once it left for that instance, or `unavailable` if it could not.
   */
  push(token: string | null | undefined, clientKey: string, report?: PushReport): Promise<HeartbeatOutcome>;
}

/**
 * Records push heartbeats for the `heartbeat` mutation and `/api/push` alike.
 *
 * Accepted beats are limited per token (`config.pushRateLimitPerMinute`, 0 = unlimited) and failed attempts per
 * client IP. A beat that would change its monitor's status (a job's failure report after a burst of successes, its
 * first success after DOWN) is the one beat that must not be dropped: once the token's budget is spent it spends a
 * second one, as large, kept for such beats. So a flood that flips the status with every beat is still held to
 * twice the limit, and a flood of the same word to the limit. A valid token is never refused because of its IP's
 * failures: behind a proxy that is not declared trusted every client shares one IP, and one client guessing tokens
 * must not silence everyone's heartbeats (which would page people with false DOWN alerts). Tokens are 128 random
 * bits, so the IP limit is there to bound log and CPU noise, not to make guessing feasible or not.
 */
export function createHeartbeatService(deps: { engine: EngineApi; config: Config; clock: Clock }): HeartbeatService {
  const { engine, config, clock } = deps;
  const perMinute = config.pushRateLimitPerMinute;
  const perToken = perMinute > 0 ? new RateLimiter({ perMinute, clock }) : null;
  const perTokenChanges = perMinute > 0 ? new RateLimiter({ perMinute, clock }) : null;
  const perIp = new RateLimiter({ perMinute: FAILED_PUSH_ATTEMPTS_PER_MINUTE, clock });

  type Refused = Exclude<HeartbeatOutcome, { status: 'ok' | 'unavailable' }>;

  function failed(clientKey: string, outcome: Refused): Refused {
    return perIp.take(clientKey) ? outcome : { status: 'limited', retryAfterMs: perIp.retryAfterMs(clientKey) };
  }

  /** The budget the beat spends: the token's, or once that is spent, the one for beats that change the status. */
  function budgetOf(token: string, report: PushReport | undefined): RateLimiter | null {
    if (!perToken || perToken.retryAfterMs(token) === 0) return perToken;
    return engine.beatChangesStatus(token, report) ? perTokenChanges : perToken;
  }

  /** The engine's answer to the beat and the budget it spends, or why it was refused before or by it. */
  function take(
    rawToken: string | null | undefined,
    clientKey: string,
    report: PushReport | undefined,
  ): Refused | { token: string; budget: RateLimiter | null; taken: HeartbeatResult & { ok: true } } {
    const token = rawToken?.trim();
    if (!token) return failed(clientKey, { status: 'missing' });

    // Checked before the engine records anything; only tokens that once passed have a bucket to be empty.
    const budget = budgetOf(token, report);
    if (budget && budget.retryAfterMs(token) > 0) return { status: 'limited', retryAfterMs: perToken?.retryAfterMs(token) ?? 0 };

    const result = engine.heartbeat(token, report);
    if (result.ok) return { token, budget, taken: result };
    // A stopped engine is not the client's fault, so it is not held against its IP.
    return result.reason === 'inactive' ? { status: 'invalid' } : failed(clientKey, { status: 'invalid' });
  }

  return {
    async push(rawToken, clientKey, report) {
      const outcome = take(rawToken, clientKey, report);
      if (!('taken' in outcome)) return outcome;
      // A beat that did not leave is not counted against the token: its retry is the same beat.
      if (outcome.taken.relayed && !(await outcome.taken.relayed)) return { status: 'unavailable' };
      outcome.budget?.take(outcome.token);
      return { status: 'ok', siteId: outcome.taken.siteId };
    },
  };
}
