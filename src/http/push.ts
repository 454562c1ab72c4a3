import type { IncomingMessage } from 'node:http';
import { bearerToken } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { HeartbeatOutcome, HeartbeatService } from '../services/heartbeat.ts';
import { resolveClientIp } from './client-ip.ts';
import type { PlainAnswer, PlainRoute } from './plain.ts';

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
    const outcome = deps.heartbeat.beat(token, resolveClientIp(req, deps.config.trustedProxies));
    const [status, body] = ANSWERS[outcome.status];
    if (outcome.status !== 'limited') return { status, body };
    return { status, body, headers: { 'retry-after': String(Math.max(1, Math.ceil(outcome.retryAfterMs / 1000))) } };
  }

  return [{ path: '/api/push', methods: ['GET', 'POST'], answer: handlePush }];
}
