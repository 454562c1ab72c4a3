import type { IncomingMessage } from 'node:http';
import { bearerToken } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { PushReport } from '../engine/types.ts';
import { MAX_LATENCY_MS, microseconds } from '../engine/checks/result.ts';
import type { HeartbeatOutcome, HeartbeatService } from '../services/heartbeat.ts';
import { resolveClientIp } from './client-ip.ts';
import { tooManyRequests, type PlainAnswer, type PlainRequest, type PlainRoute } from './plain.ts';

const ANSWERS: Record<HeartbeatOutcome['status'], [status: number, body: string]> = {
  ok: [200, 'OK'],
  missing: [400, 'Missing token'],
  invalid: [404, 'Invalid Token'],
  limited: [429, 'Too Many Requests'],
};

/** The token from `Authorization: Bearer`, else from the deprecated `?token=`; says which. */
function readToken(req: IncomingMessage, query: URLSearchParams): { token: string | null; fromQuery: boolean } {
  const bearer = bearerToken(req.headers.authorization);
  if (bearer) return { token: bearer, fromQuery: false };
  const fromQuery = query.get('token');
  return { token: fromQuery, fromQuery: Boolean(fromQuery) };
}

function answerOf(outcome: HeartbeatOutcome): PlainAnswer {
  const [status, body] = ANSWERS[outcome.status];
  return outcome.status === 'limited' ? tooManyRequests(outcome.retryAfterMs) : { status, body };
}

/** Kuma's `msg` is free text from a script; what is stored of it is bounded. */
const MAX_MESSAGE = 1000;

/** The token of a path `/api/push/<token>`, decoded; one that does not decode is looked up as it came (and not found). */
function pathToken(rest: string): string {
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

/**
 * What Uptime Kuma's push URL says beside its token. As in Kuma, any `status` but `up` (the default) reports a
 * failure, `msg` is its message and `ping` the latency in milliseconds; a ping that is not one (negative, not a
 * number, over MAX_LATENCY_MS) is left out, and the beat counts.
 */
function kumaReport(query: URLSearchParams): PushReport {
  const ping = Number.parseFloat(query.get('ping') ?? '');
  return {
    down: (query.get('status') ?? 'up') !== 'up',
    message: query.get('msg')?.slice(0, MAX_MESSAGE) || undefined,
    latencyMs: ping >= 0 && ping <= MAX_LATENCY_MS ? microseconds(ping) : undefined,
  };
}

/**
 * `GET/POST /api/push`: a heartbeat for cron jobs and scripts (`curl -H "Authorization: Bearer $TOKEN" .../api/push`).
 * Everything it needs is in the headers or the query string; the body is never read.
 */
export function pushRoutes(deps: { heartbeat: HeartbeatService; config: Config; logger: Logger }): PlainRoute[] {
  let warnedQueryToken = false;

  function handlePush({ req, query }: { req: IncomingMessage; query: URLSearchParams }): PlainAnswer {
    const { token, fromQuery } = readToken(req, query);
    if (fromQuery && !warnedQueryToken) {
      warnedQueryToken = true;
      deps.logger.warn(
        'push token in the query string (?token=) is deprecated, as it ends up in proxy and access logs; send "Authorization: Bearer <token>" instead',
      );
    }
    return answerOf(deps.heartbeat.beat(token, resolveClientIp(req, deps.config.trustedProxies)));
  }

  /** `/api/push/<token>?status=up|down&msg=...&ping=...`: Uptime Kuma's push URL, so jobs migrated from Kuma need no edit. */
  function handleKumaPush({ req, query, rest }: PlainRequest): PlainAnswer {
    // `/api/push/` names no monitor: not found, as in Kuma (a missing token is the bearer route's answer).
    if (!rest) return answerOf({ status: 'invalid' });
    return answerOf(deps.heartbeat.beat(pathToken(rest), resolveClientIp(req, deps.config.trustedProxies), kumaReport(query)));
  }

  return [
    { path: '/api/push', methods: ['GET', 'POST'], answer: handlePush },
    { path: '/api/push/', prefix: true, methods: ['GET', 'POST'], answer: handleKumaPush },
  ];
}
