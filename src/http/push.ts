import type { IncomingMessage } from 'node:http';
import { bearerToken } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { PushReport } from '../engine/types.ts';
import { MAX_LATENCY_MS, microseconds } from '../engine/checks/result.ts';
import type { HeartbeatOutcome, HeartbeatService } from '../services/heartbeat.ts';
import { resolveClientKey } from './client-ip.ts';
import { tooManyRequests, type PlainAnswer, type PlainRequest, type PlainRoute } from './plain.ts';

const ANSWERS: Record<HeartbeatOutcome['status'], [status: number, body: string]> = {
  ok: [200, 'OK'],
  missing: [400, 'Missing token'],
  invalid: [404, 'Invalid Token'],
  limited: [429, 'Too Many Requests'],
  // The beat is another instance's and could not reach it: not taken, so the sender's retry is what keeps it.
  unavailable: [503, 'Service Unavailable: the beat could not be relayed; retry'],
};

/** The token from `Authorization: Bearer`, else from the deprecated `?token=`; says which. */
function readToken(req: IncomingMessage, query: URLSearchParams): { token: string | null; fromQuery: boolean } {
  const bearer = bearerToken(req.headers.authorization);
  if (bearer) return { token: bearer, fromQuery: false };
  const fromQuery = query.get('token');
  return { token: fromQuery, fromQuery: Boolean(fromQuery) };
}

/** Seconds a sender is told to wait before it retries a beat that could not be relayed (Redis is reconnecting). */
const UNAVAILABLE_RETRY_AFTER_S = 1;

function answerOf(outcome: HeartbeatOutcome): PlainAnswer {
  const [status, body] = ANSWERS[outcome.status];
  if (outcome.status === 'limited') return tooManyRequests(outcome.retryAfterMs);
  if (outcome.status === 'unavailable') return { status, body, headers: { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_S) } };
  return { status, body };
}

const BEAT_METHODS = ['GET', 'HEAD', 'POST'] as const;

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
 * What a beat says beside its token, in Uptime Kuma's words, whichever way the token came: a job that reports its
 * failure to `/api/push?status=down` must not be taken as alive. As in Kuma, any `status` but `up` (the default, also
 * when empty) reports a failure, `msg` is its message and `ping` the latency in milliseconds; a ping that is not one
 * (negative, not a number, over MAX_LATENCY_MS) is left out, and the beat counts.
 */
function kumaReport(query: URLSearchParams): PushReport {
  const ping = Number.parseFloat(query.get('ping') ?? '');
  return {
    down: (query.get('status') || 'up') !== 'up',
    message: query.get('msg')?.slice(0, MAX_MESSAGE) || undefined,
    latencyMs: ping >= 0 && ping <= MAX_LATENCY_MS ? microseconds(ping) : undefined,
  };
}

/** What may follow the token, as on healthchecks: `fail`, or the job's exit status. */
const SUFFIX_HELP = 'after the token, use /fail or the exit status /0 to /255';

/**
 * healthchecks' suffixes on Kuma's URL, so a job reports how it ended with `cmd; curl …/api/push/<token>/$?`:
 * `/fail` is a failure, an exit status 0 a success and 1–255 a failure named by it (`exit status 3: <msg>`).
 * Null for any other suffix, which is refused rather than guessed at.
 */
function suffixReport(suffix: string, query: URLSearchParams): PushReport | null {
  const report = kumaReport(query);
  if (suffix === 'fail') return { ...report, down: true };
  if (!/^(0|[1-9]\d{0,2})$/.test(suffix) || Number(suffix) > 255) return null;
  if (suffix === '0') return { ...report, down: false };
  const message = [`exit status ${suffix}`, report.message].filter(Boolean).join(': ');
  return { ...report, down: true, message: message.slice(0, MAX_MESSAGE) };
}

/**
 * `GET/HEAD/POST /api/push`: a heartbeat for cron jobs and scripts (`curl -H "Authorization: Bearer $TOKEN" .../api/push`).
 * Everything it needs is in the headers or the query string; the body is never read. HEAD counts, as in Kuma and
 * healthchecks: `wget --spider` sends one, and refusing it turned a running job into a missed heartbeat.
 */
export function pushRoutes(deps: { heartbeat: HeartbeatService; config: Config; logger: Logger }): PlainRoute[] {
  let warnedQueryToken = false;

  async function handlePush({ req, query }: { req: IncomingMessage; query: URLSearchParams }): Promise<PlainAnswer> {
    const { token, fromQuery } = readToken(req, query);
    if (fromQuery && !warnedQueryToken) {
      warnedQueryToken = true;
      deps.logger.warn(
        'push token in the query string (?token=) is deprecated, as it ends up in proxy and access logs; send "Authorization: Bearer <token>" instead',
      );
    }
    return answerOf(await deps.heartbeat.push(token, resolveClientKey(req, deps.config.trustedProxies), kumaReport(query)));
  }

  /**
   * `/api/push/<token>?status=up|down&msg=...&ping=...`: Uptime Kuma's push URL, so jobs migrated from Kuma need no
   * edit; `/api/push/<token>/fail` and `/api/push/<token>/<exit status>` as well (suffixReport).
   */
  async function handleKumaPush({ req, query, rest }: PlainRequest): Promise<PlainAnswer> {
    // `/api/push/` names no monitor: not found, as in Kuma (a missing token is the bearer route's answer).
    if (!rest) return answerOf({ status: 'invalid' });
    const slash = rest.indexOf('/');
    const report = slash === -1 ? kumaReport(query) : suffixReport(rest.slice(slash + 1), query);
    if (!report) return { status: 404, body: `Unknown push suffix: ${SUFFIX_HELP}` };
    const token = pathToken(slash === -1 ? rest : rest.slice(0, slash));
    return answerOf(await deps.heartbeat.push(token, resolveClientKey(req, deps.config.trustedProxies), report));
  }

  return [
    { path: '/api/push', methods: BEAT_METHODS, answer: handlePush },
    { path: '/api/push/', prefix: true, methods: BEAT_METHODS, answer: handleKumaPush },
  ];
}
