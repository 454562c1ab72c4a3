import { RateLimiter } from '../auth/rate-limit.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { EngineApi, PushReport } from '../engine/types.ts';

/** Failed push attempts (no token or an unknown one) allowed per client IP and minute. */
export const FAILED_PUSH_ATTEMPTS_PER_MINUTE = 60;

export type HeartbeatOutcome = { status: 'ok'; siteId: number } | { status: 'missing' } | { status: 'invalid' } | { status: 'limited'; retryAfterMs: number };

export interface HeartbeatService {
  /** `report` carries what Uptime Kuma's push URL may say: a failure, its message, a latency. */
  beat(token: string | null | undefined, clientIp: string, report?: PushReport): HeartbeatOutcome;
}

/**
 * Records push heartbeats for the `heartbeat` mutation and `/api/push` alike.
 *
 * Accepted beats are limited per token (`config.pushRateLimitPerMinute`, 0 = unlimited) and failed attempts per
 * client IP. A valid token is never refused because of its IP's failures: behind a proxy that is not declared
 * trusted every client shares one IP, and one client guessing tokens must not silence everyone's heartbeats
 * (which would page people with false DOWN alerts). Tokens are 128 random bits, so the IP limit is there to
 * bound log and CPU noise, not to make guessing feasible or not.
 */
export function createHeartbeatService(deps: { engine: EngineApi; config: Config; clock: Clock }): HeartbeatService {
  const { engine, config, clock } = deps;
  const perToken = config.pushRateLimitPerMinute > 0 ? new RateLimiter({ perMinute: config.pushRateLimitPerMinute, clock }) : null;
  const perIp = new RateLimiter({ perMinute: FAILED_PUSH_ATTEMPTS_PER_MINUTE, clock });

  function failed(clientIp: string, outcome: HeartbeatOutcome): HeartbeatOutcome {
    return perIp.take(clientIp) ? outcome : { status: 'limited', retryAfterMs: perIp.retryAfterMs(clientIp) };
  }

  return {
    beat(rawToken, clientIp, report) {
      const token = rawToken?.trim();
      if (!token) return failed(clientIp, { status: 'missing' });

      // Checked before the engine records anything; only tokens that once passed have a bucket to be empty.
      const wait = perToken?.retryAfterMs(token) ?? 0;
      if (wait > 0) return { status: 'limited', retryAfterMs: wait };

      const result = engine.heartbeat(token, report);
      if (result.ok) {
        perToken?.take(token);
        return { status: 'ok', siteId: result.siteId };
      }
      // A stopped engine is not the client's fault, so it is not held against its IP.
      return result.reason === 'inactive' ? { status: 'invalid' } : failed(clientIp, { status: 'invalid' });
    },
  };
}
