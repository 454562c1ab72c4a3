import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../deps.ts';
import type { HeartbeatService } from '../services/heartbeat.ts';
import { createReadiness, liveness } from './health.ts';
import { createPushHandler, type PlainAnswer } from './push.ts';

type Route = { methods: readonly string[]; answer: (req: IncomingMessage, query: URLSearchParams) => PlainAnswer | Promise<PlainAnswer> };

function send(req: IncomingMessage, res: ServerResponse, answer: PlainAnswer): void {
  res.writeHead(answer.status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...answer.headers,
  });
  res.end(req.method === 'HEAD' ? undefined : answer.body);
}

/**
 * The plain HTTP endpoints that live beside GraphQL: `/api/push`, `/healthz`, `/readyz`. The returned handler
 * answers and resolves true for those paths, and resolves false for every other path so the server hands the
 * request on (to yoga). None of them reads a request body.
 */
export function createPlainRoutes(deps: AppDeps & { heartbeat: HeartbeatService }): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const push = createPushHandler(deps);
  const readiness = createReadiness(deps);
  const routes: Record<string, Route> = {
    '/api/push': { methods: ['GET', 'POST'], answer: push },
    '/healthz': { methods: ['GET', 'HEAD'], answer: liveness },
    '/readyz': { methods: ['GET', 'HEAD'], answer: readiness },
  };

  return async function plainRoutes(req, res) {
    // Split, not parsed as a URL: any request target (`//host/path`, an absolute URL) is matched as it came.
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const pathname = queryAt < 0 ? target : target.slice(0, queryAt);
    const route = Object.hasOwn(routes, pathname) ? routes[pathname] : undefined;
    if (!route) return false;
    // Whatever body came along is discarded, so a keep-alive connection stays usable.
    req.resume();
    if (!route.methods.includes(req.method ?? '')) {
      send(req, res, { status: 405, body: 'Method Not Allowed', headers: { allow: route.methods.join(', ') } });
      return true;
    }
    try {
      send(req, res, await route.answer(req, new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1))));
    } catch (err) {
      deps.logger.error({ err, path: pathname }, 'plain route failed');
      if (!res.headersSent) send(req, res, { status: 500, body: 'Internal Server Error' });
      else res.destroy();
    }
    return true;
  };
}
