import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { YogaServerInstance } from 'graphql-yoga';
import type { AppDeps } from '../deps.ts';
import type { HeartbeatService } from '../services/heartbeat.ts';
import type { Services } from '../services/index.ts';
import { originAllowed } from './origin.ts';
import { readBody, type PlainRoute } from './plain.ts';
import { createPlainRouter } from './routes.ts';
import { setSecurityHeaders } from './security-headers.ts';
import { cutWhenStalled } from './stalled-responses.ts';
import { attachGraphqlWs } from './ws.ts';
import { turns } from '../turns.ts';

/** How long shutdown lets in-flight requests finish before their connections are cut. */
export const DRAIN_TIMEOUT_MS = 5_000;

/**
 * Node's server timeouts (uptop-behaviour.md §7: read-header 10 s, read 30 s, write 60 s, idle 120 s). `requestMs` bounds
 * receiving a request (headers and body), not answering it, and a WebSocket leaves the HTTP server once upgraded, so SSE
 * streams and graphql-ws connections stay open. `sendMs` is the write limit, counted from the client's last
 * progress rather than from the request (stalled-responses.ts), so a stream lasts as long as it is read.
 * `checkIntervalMs` is how often node looks for requests past those limits.
 */
export interface HttpTimeouts {
  headersMs: number;
  requestMs: number;
  sendMs: number;
  keepAliveMs: number;
  checkIntervalMs: number;
}

export const HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 10_000, requestMs: 30_000, sendMs: 60_000, keepAliveMs: 120_000, checkIntervalMs: 1_000 };

export interface HttpApp {
  server: http.Server;
  /** Subscriptions open now over SSE and graphql-ws (tests and benchmarks wait on it). */
  readonly openSubscriptions: number;
  /** Of those, the ones over graphql-ws; the others are SSE streams (metrics). */
  readonly openWsSubscriptions: number;
  listen(): Promise<{ port: number }>;
  /**
   * Stops accepting, completes open subscriptions (SSE and graphql-ws), closes WebSockets with 1001, lets
   * in-flight requests finish (bounded), cuts what is left, then disposes yoga. Idempotent.
   */
  close(): Promise<void>;
}

/** The GraphQL endpoint the server hands `/graphql` and WebSocket upgrades to, built by the composition root. */
export interface GraphqlEndpoint {
  yoga: YogaServerInstance<{ req: IncomingMessage; res: ServerResponse }, object>;
  /** Subscriptions open now over SSE and graphql-ws. */
  readonly openSubscriptions: number;
  /** Completes every open subscription (shutdown). */
  closeSubscriptions(): Promise<void>;
}

function tooLarge(res: ServerResponse, limit: number): void {
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  res.end(JSON.stringify({ errors: [{ message: `request body larger than ${limit} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }));
}

/** A cross-origin caller not listed in UPTOP_CORS_ORIGIN, refused before anything runs (preflights included). */
function forbiddenOrigin(res: ServerResponse): void {
  res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', vary: 'Origin' });
  res.end(
    JSON.stringify({ errors: [{ message: 'this origin may not call the API; list it in UPTOP_CORS_ORIGIN', extensions: { code: 'FORBIDDEN_ORIGIN' } }] }),
  );
}

/** The HTTPS server; a failure names the variable that points at the file, as every start-up failure does. */
function createHttpsServer(options: http.ServerOptions, certFile: string, keyFile: string, listener: http.RequestListener): https.Server {
  const read = (file: string, variable: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`could not read ${file} (${variable}): ${(err as Error).message}`, { cause: err });
    }
  };
  const cert = read(certFile, 'UPTOP_TLS_CERT');
  const key = read(keyFile, 'UPTOP_TLS_KEY');
  try {
    return https.createServer({ ...options, cert, key }, listener);
  } catch (err) {
    // Not PEM, or a key that does not match the certificate.
    throw new Error(`could not use ${certFile} and ${keyFile} (UPTOP_TLS_CERT, UPTOP_TLS_KEY): ${(err as Error).message}`, { cause: err });
  }
}

/**
 * One HTTP(S) server for everything: the plain routes first (`/api/push`, `/healthz`, ... as app.ts lists them), then yoga on
 * `/graphql` (GET/POST, SSE, GraphiQL), and graphql-ws through the same port's upgrade.
 */
export function createHttpServer(
  opts: AppDeps & {
    services: Services;
    heartbeat: HeartbeatService;
    graphql: GraphqlEndpoint;
    plainRoutes: readonly PlainRoute[];
    /** Tests shorten them; HTTP_TIMEOUTS otherwise. */
    timeouts?: Partial<HttpTimeouts>;
  },
): HttpApp {
  const { graphql, ...deps } = opts;
  const { yoga } = graphql;
  const { config, logger } = deps;
  const limit = config.graphql.bodyLimitBytes;

  const plainRoutes = createPlainRouter(opts.plainRoutes, logger);

  let inFlight = 0;
  let drained: (() => void) | null = null;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
    if (await plainRoutes(req, res)) return;
    if (!originAllowed(req, config)) return forbiddenOrigin(res);
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      if (Number(req.headers['content-length'] ?? 0) > limit) return tooLarge(res, limit);
      const body = await readBody(req, limit);
      if (body === 'aborted') return;
      if (body === 'too-large') return tooLarge(res, limit);
      // whatwg-node takes an already-read body from `req.body`; the stream itself is consumed.
      (req as IncomingMessage & { body?: Buffer }).body = body;
    }
    // Requests that arrive together start one per turn, so a burst cannot hold the engine's timers for all of them.
    await turns.next();
    await yoga(req, res);
  }

  const timeouts = { ...HTTP_TIMEOUTS, ...opts.timeouts };
  const { tlsCert, tlsKey } = config.http;
  const tls = Boolean(tlsCert && tlsKey);
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    // The path alone: a query may carry a token or a GraphQL request's variables (passwords).
    const path = (req.url ?? '/').split('?')[0];
    cutWhenStalled(res, deps.clock, timeouts.sendMs, (unsentBytes) => logger.warn({ path, unsentBytes }, 'client stopped reading its answer; connection cut'));
    setSecurityHeaders(res, tls);
    handle(req, res).catch((err: unknown) => {
      logger.error({ err, path }, 'request failed');
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Internal Server Error');
      } else res.destroy();
    });
  };

  const serverOptions: http.ServerOptions = {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionsCheckingInterval: timeouts.checkIntervalMs,
  };
  const server: http.Server = tlsCert && tlsKey ? createHttpsServer(serverOptions, tlsCert, tlsKey, listener) : http.createServer(serverOptions, listener);
  // Every socket, upgraded ones too: server.close waits for all of them, and closeAllConnections knows only HTTP's.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const ws = attachGraphqlWs({ server, yoga, config, logger, watchAccess: (viewer, onEnd) => deps.services.auth.watch(viewer, onEnd) });

  let closing: Promise<void> | null = null;

  async function shutdown(): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await graphql.closeSubscriptions();
    // One turn of the event loop lets graphql-ws and yoga send their `complete` before sockets close.
    await new Promise((resolve) => setImmediate(resolve));
    await ws.dispose();
    server.closeIdleConnections();
    if (inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
        timer.unref();
        drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    server.closeAllConnections();
    for (const socket of sockets) socket.destroy();
    await closed;
    await yoga.dispose();
  }

  return {
    server,
    get openSubscriptions() {
      return graphql.openSubscriptions;
    },
    get openWsSubscriptions() {
      return ws.openSubscriptions;
    },
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.http.port, config.http.host, () => {
          server.off('error', reject);
          resolve({ port: (server.address() as AddressInfo).port });
        });
      });
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
