import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.ts';
import { turns } from '../turns.ts';
import { readBody, type PlainAnswer, type PlainRoute } from './plain.ts';

/**
 * Characters of a text body encoded and written per turn of the event loop. A fleet-wide answer runs to megabytes
 * (17 MB for the status page of 10,000 monitors with full bar strips), and encoding one in a piece held the event loop
 * for 10–40 ms after the route had taken care to make it in steps.
 */
export const BODY_SLICE = 1 << 20;

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

async function send(req: IncomingMessage, res: ServerResponse, answer: PlainAnswer, extra?: Record<string, string>): Promise<void> {
  const { body } = answer;
  const sliced = typeof body === 'string' && body.length > BODY_SLICE && req.method !== 'HEAD';
  res.writeHead(answer.status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // Measured before anything is written, so the answer keeps a length rather than going out chunked.
    ...(sliced && { 'content-length': String(Buffer.byteLength(body)) }),
    ...answer.headers,
    ...extra,
  });
  if (!sliced) {
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  for (let at = 0; at < body.length && !res.destroyed; ) {
    if (at > 0) await turns.next();
    let end = Math.min(body.length, at + BODY_SLICE);
    // Never between the two halves of a surrogate pair: each would be written as U+FFFD.
    if (end < body.length && isHighSurrogate(body.charCodeAt(end - 1))) end--;
    res.write(body.slice(at, end));
    at = end;
  }
  res.end();
}

/** The route for a path: an exact one first, else the longest matching prefix. */
function match(routes: readonly PlainRoute[], pathname: string): { route: PlainRoute; rest: string } | undefined {
  let best: { route: PlainRoute; rest: string } | undefined;
  for (const route of routes) {
    if (!route.prefix) {
      if (route.path === pathname) return { route, rest: '' };
    } else if (pathname.startsWith(route.path) && (!best || route.path.length > best.route.path.length)) {
      best = { route, rest: pathname.slice(route.path.length) };
    }
  }
  return best;
}

/**
 * Serves the plain HTTP endpoints that live beside GraphQL (`/api/push`, `/healthz`, `/readyz`, ...). The returned
 * handler answers and resolves true for their paths, and resolves false for every other path so the server hands the
 * request on (to yoga). A route reads a body only up to its own `bodyLimit`.
 */
export function createPlainRouter(routes: readonly PlainRoute[], logger: Logger): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async function plainRoutes(req, res) {
    // Split, not parsed as a URL: any request target (`//host/path`, an absolute URL) is matched as it came.
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const pathname = queryAt < 0 ? target : target.slice(0, queryAt);
    const found = match(routes, pathname);
    if (!found) return false;
    const { route, rest } = found;
    if (!route.methods.includes(req.method ?? '')) {
      req.resume();
      await send(req, res, { status: 405, body: 'Method Not Allowed', headers: { allow: route.methods.join(', ') } });
      return true;
    }
    const refused = route.admit
      ? await Promise.resolve()
          .then(() => route.admit!(req))
          .catch((err: unknown) => failed(err))
      : undefined;
    if (refused) {
      req.resume();
      // A refused request's body is not read: the connection closes after the answer instead of being reused.
      await send(req, res, refused, route.bodyLimit === undefined ? undefined : { connection: 'close' });
      return true;
    }
    let body: Buffer = Buffer.alloc(0);
    if (route.bodyLimit === undefined) {
      // Whatever body came along is discarded, so a keep-alive connection stays usable.
      req.resume();
    } else {
      const read = await readBody(req, route.bodyLimit);
      if (read === 'aborted') return true;
      if (read === 'too-large') {
        await send(req, res, { status: 413, body: `request body larger than ${route.bodyLimit} bytes` }, { connection: 'close' });
        return true;
      }
      body = read;
    }
    try {
      await send(req, res, await route.answer({ req, query: new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1)), rest, body }));
    } catch (err) {
      if (!res.headersSent) await send(req, res, failed(err));
      else res.destroy();
    }
    return true;

    function failed(err: unknown): PlainAnswer {
      // The route as declared, not the path: the rest of a prefix route's path is a push token, the query a Kuma
      // job's `msg` or a read-only token's bearer in `?token=`, and logs are read by more people than secrets are.
      logger.error({ err, route: route.prefix ? `${route.path}…` : route.path }, 'plain route failed');
      return { status: 500, body: 'Internal Server Error' };
    }
  };
}
