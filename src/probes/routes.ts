import type { IncomingMessage } from 'node:http';
import type { SecretBox } from '../alerts/crypto.ts';
import { maskUrlsInText } from '../auth/mask-url.ts';
import { RateLimiter } from '../auth/rate-limit.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { microseconds, truncateMessage } from '../engine/checks/result.ts';
import type { Engine, ProbeIngest } from '../engine/engine.ts';
import { jsonAnswer, perIpLimit, textAnswer, type PlainAnswer, type PlainRoute } from '../http/plain.ts';
import type { Logger } from '../log.ts';
import { ForbiddenError, ValidationError } from '../services/errors.ts';
import { parseOrThrow } from '../services/validate.ts';
import type { Writer } from '../writer/types.ts';
import { assignmentsFor } from './assignments.ts';
import { presentedProbeToken, verifyProbeToken, type ProbeCaller } from './auth.ts';
import { claimNode } from './nodes.ts';
import { nodeId, registerBody, resultsBody, type ResultsBody } from './wire.ts';

/** The Go original's limit on its probe routes, per client IP. */
export const PROBE_REQUESTS_PER_MINUTE = 30;
/** The Go original's cap on request bodies. */
export const PROBE_BODY_LIMIT = 1024 * 1024;

export interface ProbeRouteDeps {
  db: Db;
  writer: Writer;
  clock: Clock;
  config: Pick<Config, 'trustedProxies'>;
  logger: Logger;
  secretBox: SecretBox;
  engine: Pick<Engine, 'ingestProbeResults'>;
}

const OK = { ok: true } as const;

/** Seconds a probe is told to wait before it sends results again that could not be relayed (Redis is reconnecting). */
const UNRELAYED_RETRY_AFTER_S = 1;

// Results of sites another instance checks that could not reach it: refused, so the probe's retry is what keeps them.
const unrelayed = textAnswer(503, 'Service Unavailable: results for sites another instance checks could not be relayed; retry', {
  'retry-after': String(UNRELAYED_RETRY_AFTER_S),
});

const unauthorized = textAnswer(401, 'Unauthorized: send a probe token as "Authorization: Bearer <token>" or in X-Uptop-Secret', {
  'www-authenticate': 'Bearer',
});

/** The results as the engine takes them: Go's fields, and uptop's where its probe sent them. */
function ingestOf(results: ResultsBody['results']): ProbeIngest[] {
  return results.map((r) => ({
    siteId: r.site_id,
    status: r.status ?? (r.is_up ? 'UP' : 'DOWN'),
    // Go reports 0 ns for a check that measured nothing.
    latencyMs: r.latency_ns ? microseconds(r.latency_ns / 1e6) : null,
    statusCode: r.status_code ?? null,
    // Masked here, before anything stores, shows, logs or alerts it, and before a cut could leave half a secret.
    message: r.is_up ? '' : truncateMessage(maskUrlsInText(r.error_reason?.trim() || 'reported down by the probe')),
    hasSsl: r.has_ssl ?? false,
    certExpiresAt: r.cert_expires_at ?? null,
    checkedAt: r.checked_at ?? null,
  }));
}

/**
 * `POST /api/probe/register`, `GET /api/probe/assignments?node_id=` and `POST /api/probe/results`, with the Go
 * original's bodies and answers (§8, wire.ts), for probe tokens instead of its one shared secret: limited per client
 * IP first, then the token checked, both before a body is read.
 */
export function probeRoutes(deps: ProbeRouteDeps): PlainRoute[] {
  const limit = perIpLimit(new RateLimiter({ perMinute: PROBE_REQUESTS_PER_MINUTE, clock: deps.clock }), deps.config.trustedProxies);
  /** Who each admitted request is, for its answer. */
  const callers = new WeakMap<IncomingMessage, ProbeCaller>();

  async function admit(req: IncomingMessage): Promise<PlainAnswer | undefined> {
    const limited = limit(req);
    if (limited) return limited;
    const caller = await verifyProbeToken(deps.db, presentedProbeToken(req));
    if (!caller) return unauthorized;
    callers.set(req, caller);
    return undefined;
  }

  /** Runs an admitted request's answer; a refused input is a 400 listing each problem, a foreign node a 403. */
  function route(
    path: string,
    method: 'GET' | 'POST',
    answer: (caller: ProbeCaller, body: Buffer, query: URLSearchParams) => Promise<PlainAnswer>,
  ): PlainRoute {
    return {
      path,
      methods: [method],
      ...(method === 'POST' && { bodyLimit: PROBE_BODY_LIMIT }),
      admit,
      async answer({ req, body, query }) {
        try {
          return await answer(callers.get(req)!, body, query);
        } catch (err) {
          if (err instanceof ValidationError) return textAnswer(400, err.issues.map((i) => `${i.field}: ${i.message}`).join('\n'));
          if (err instanceof ForbiddenError) return textAnswer(403, `Forbidden: ${err.message}`);
          throw err;
        }
      },
    };
  }

  function json(body: Buffer): unknown {
    try {
      return JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new ValidationError('body', `Invalid JSON: ${(err as Error).message}`);
    }
  }

  return [
    route('/api/probe/register', 'POST', async ({ tokenId }, body) => {
      const node = parseOrThrow(registerBody, json(body), 'body');
      await claimNode(deps.writer, tokenId, node, deps.clock.now(), true);
      return jsonAnswer(200, OK);
    }),
    route('/api/probe/assignments', 'GET', async ({ tokenId }, _body, query) => {
      const id = parseOrThrow(nodeId, query.get('node_id') ?? '', 'node_id');
      const node = await claimNode(deps.writer, tokenId, { id }, deps.clock.now(), false);
      return jsonAnswer(200, { sites: await assignmentsFor(deps, node.region) });
    }),
    route('/api/probe/results', 'POST', async ({ tokenId }, body) => {
      const report = parseOrThrow(resultsBody, json(body), 'body');
      await claimNode(deps.writer, tokenId, { id: report.node_id }, deps.clock.now(), false);
      const { relayed } = deps.engine.ingestProbeResults(report.node_id, ingestOf(report.results));
      if (relayed && !(await relayed)) return unrelayed;
      return jsonAnswer(200, OK);
    }),
  ];
}
