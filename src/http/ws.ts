import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AccessEnd } from '../auth/access-watch.ts';
import type { Config } from '../config.ts';
import type { Viewer } from '../auth/viewer.ts';
import { EVENTS_LOST_CODE } from '../engine/lost-events.ts';
import type { Logger } from '../log.ts';
import { resolveClientKey } from './client-ip.ts';
import { ConnectionCounter, releasing } from './connection-limits.ts';
import { originAllowed } from './origin.ts';
import { SharedSubscriptions, type DeliverJson } from './shared-subscriptions.ts';
import { WsWriteBatcher } from './ws-writes.ts';

/** Largest graphql-ws message accepted; a subscribe message is a query and its variables (ws's default is 100 MiB). */
export const WS_MAX_PAYLOAD_BYTES = 64 * 1024;
/** Operations one connection may have open at once; graphql-ws itself sets no limit. */
export const WS_MAX_SUBSCRIPTIONS = 100;
/** Close code for a connection over UPTOP_WS_PER_USER (4429, after HTTP's 429). */
export const WS_CLOSE_TOO_MANY = 4429;
/**
 * Close code when events were lost (Redis was away): 1012 "Service Restart", which graphql-ws clients retry (unlike
 * 4500 or most 1xxx codes); once connected again, a client reads again what it shows (console/src/client.ts).
 */
export const WS_CLOSE_EVENTS_LOST = 1012;
/** How long shutdown waits for clients to answer the 1001 close before cutting them off. */
const CLOSE_GRACE_MS = 2_000;

/**
 * What yoga's context function receives for a graphql-ws operation, in place of HTTP's Fetch `request`: the HTTP
 * upgrade request (`req`, the same Node object HTTP requests carry in yoga's server context, so the client IP
 * resolves alike), the socket, the operation, and the `connection_init` payload, whose `authorization`
 * (`"Bearer <token>"`) stands in for the Authorization header.
 */
export interface WsInitialContext {
  req: IncomingMessage;
  socket: WebSocket;
  params: SubscribePayload;
  connectionParams: Readonly<Record<string, unknown>> | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: yoga's server and user context types are the schema's, which this transport does not know
type AnyYoga = YogaServerInstance<any, any>;
type Enveloped = ReturnType<AnyYoga['getEnveloped']>;
/**
 * Execution args that carry yoga's enveloped execute/subscribe, so every plugin hook runs for them, the key under
 * which subscribers with identical results share one execution (null: not shared), and how a shared result,
 * serialized once, is written to this subscriber.
 */
type EnvelopedArgs = ExecutionArgs & {
  envelopedExecute: Enveloped['execute'];
  envelopedSubscribe: Enveloped['subscribe'];
  shareKey: string | null;
  deliverJson: DeliverJson;
  socket: WebSocket;
};

/**
 * Who a subscription's results are computed for: the same user with the same rights gets the same results. A
 * context without a `viewer` is not understood here, so its subscriptions are not shared.
 */
function viewerKey(context: unknown): string | null {
  if (!context || typeof context !== 'object' || !('viewer' in context)) return null;
  const viewer = (context as { viewer: Viewer | null }).viewer;
  if (viewer === null) return 'anonymous';
  return typeof viewer === 'object' ? `user ${viewer.userId} ${viewer.role} ${viewer.readOnly ? 'read-only' : 'read-write'}` : null;
}

function shareKey(context: unknown, payload: SubscribePayload): string | null {
  const viewer = viewerKey(context);
  if (viewer === null) return null;
  try {
    return JSON.stringify([viewer, payload.operationName ?? null, payload.variables ?? null, payload.query]);
  } catch {
    // Variables nested deeper than JSON.stringify can recurse: the operation still runs, just not shared.
    return null;
  }
}

/**
 * The subscriber's stream, except that when it fails because events were lost the whole connection closes with
 * WS_CLOSE_EVENTS_LOST: graphql-ws would answer the operation with an `error`, after which clients do not subscribe
 * again, and the page would go on showing statuses that changed meanwhile.
 */
function closingOnLoss<T>(source: AsyncIterableIterator<T>, socket: WebSocket): AsyncIterableIterator<T> {
  return {
    async next() {
      try {
        return await source.next();
      } catch (err) {
        // What reaches here went through error masking (mask-error.ts), which keeps the code and message.
        if (!(err instanceof GraphQLError) || err.extensions.code !== EVENTS_LOST_CODE) throw err;
        socket.close(WS_CLOSE_EVENTS_LOST, err.message);
        return { done: true, value: undefined };
      }
    },
    return: (value?: unknown) => source.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return typeof (value as AsyncIterable<T> | null)?.[Symbol.asyncIterator] === 'function';
}

/**
 * Refuses a handshake with a plain HTTP answer; the socket is not a WebSocket yet. Closed once the answer is out, as
 * node closes a `Connection: close` answer: ending only our side would leave it open for as long as the client
 * keeps its own, outside every limit (the upgrade took it from the HTTP server's timeouts).
 */
function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`, () =>
    socket.destroy(),
  );
}

/** Writes a graphql-transport-ws `next` message around a payload already serialized, as graphql-ws would send it. */
function nextMessageWriter(ws: WebSocket, id: string): DeliverJson {
  const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  return (payloadJson) => {
    if (ws.readyState === ws.OPEN) ws.send(`${prefix}${payloadJson}}`);
  };
}

/** A thrown error as GraphQL errors for the client: GraphQL errors as they are, anything else masked and logged. */
function asGraphQLErrors(err: unknown, logger: Logger, what: string): GraphQLError[] {
  if (err instanceof GraphQLError) return [err];
  if (Array.isArray(err) && err.every((e) => e instanceof GraphQLError)) return err;
  logger.error({ err }, `graphql-ws: ${what} failed`);
  return [new GraphQLError('Unexpected error.')];
}

/**
 * graphql-ws (`graphql-transport-ws`) on the HTTP server's own port and GraphQL path.
 *
 * Every operation goes through `yoga.getEnveloped`, so parse/validate limits (graphql-armor), disabled
 * introspection, error masking and the same context function apply as over HTTP. Validation and parsing are
 * wrapped because graphql-armor throws its rejections: unwrapped, graphql-ws would close the socket instead of
 * answering the operation with an error. HTTP-only protections get their WebSocket counterpart here: the
 * `Origin` check (CSRF prevention), a message size cap (the body limit), and a cap on open operations.
 *
 * Fan-out is the hot path: subscribers with the same operation and viewer share one execution whose results are
 * serialized once (shared-subscriptions.ts), and writes are batched per connection (ws-writes.ts).
 */
export function attachGraphqlWs(opts: {
  server: Server;
  yoga: AnyYoga;
  config: Config;
  logger: Logger;
  /** Ends a signed-in connection when its viewer's access ends (AuthService.watch); returns the unwatch. */
  watchAccess?: (viewer: Viewer, onEnd: (why: AccessEnd) => void) => () => void;
}): { dispose(): Promise<void>; readonly openSubscriptions: number } {
  const { server, yoga, config, logger } = opts;
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD_BYTES });
  const writes = new WsWriteBatcher(logger);
  let disposing: Promise<void> | null = null;
  const perIp = new ConnectionCounter(config.limits.wsPerIp);
  const perUser = new ConnectionCounter(config.limits.wsPerUser);

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => logger.debug({ err }, 'graphql-ws: handshake socket error'));
    const pathname = (req.url ?? '/').split('?', 1)[0];
    if (pathname !== yoga.graphqlEndpoint) return refuse(socket, 404, 'Not Found');
    if (disposing) return refuse(socket, 503, 'Service Unavailable');
    if (!originAllowed(req, config)) {
      logger.warn({ origin: req.headers.origin, host: req.headers.host }, 'graphql-ws: cross-origin handshake refused');
      return refuse(socket, 403, 'Forbidden');
    }
    const release = perIp.tryOpen(resolveClientKey(req, config.trustedProxies));
    if (!release) return refuse(socket, 429, 'Too Many Requests');
    // The connection's socket, not the WebSocket: it closes also when the handshake itself fails.
    socket.once('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => {
      writes.attach(ws, socket);
      wss.emit('connection', ws, req);
      // graphql-ws reports a socket error (an oversized or malformed frame) with console.error, past the logger
      // and LOG_LEVEL, so any client could fill stderr. ws closes the socket itself on every such error.
      ws.removeAllListeners('error');
      ws.on('error', (err) => logger.debug({ err }, 'graphql-ws: socket error; connection closed'));
    });
  }
  server.on('upgrade', onUpgrade);

  const initialContext = (
    ctx: { connectionParams?: Readonly<Record<string, unknown>>; extra: { request: IncomingMessage; socket: WebSocket } },
    params: SubscribePayload,
  ): WsInitialContext => ({ req: ctx.extra.request, socket: ctx.extra.socket, params, connectionParams: ctx.connectionParams });

  const shared = new SharedSubscriptions(logger);
  /** Subscriptions open now over graphql-ws (the metrics' transport split), under one key and no limit. */
  const subscriptions = new ConnectionCounter(Number.POSITIVE_INFINITY);

  const graphqlWs = useServer<Record<string, unknown>>(
    {
      execute: (args) => (args as EnvelopedArgs).envelopedExecute(args),
      // Each subscriber subscribes on its own (authorization, arguments); identical ones then share the stream.
      async subscribe(args) {
        const { envelopedSubscribe, shareKey: key, deliverJson, socket } = args as EnvelopedArgs;
        const result = await envelopedSubscribe(args);
        if (!isAsyncIterable<ExecutionResult>(result)) return result;
        // Counted on what graphql-ws iterates for this subscriber, which ends when the subscriber does (a shared source may not).
        const own = (key !== null ? shared.share(key, result, deliverJson) : result[Symbol.asyncIterator]()) as AsyncIterableIterator<ExecutionResult>;
        // Only events that cross instances through Redis can be lost; one instance's streams go unwrapped.
        return releasing(config.redisUrl ? closingOnLoss(own, socket) : own, subscriptions.tryOpen('open')!);
      },

      // A presented token must be valid (4403 Forbidden otherwise); no token at all is an anonymous connection
      // whose operations the schema's auth rules answer like an anonymous HTTP request.
      async onConnect(ctx) {
        const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        if (authorization === undefined || authorization === null) return true;
        if (typeof authorization !== 'string') return false;
        try {
          const context = await yoga.getEnveloped(initialContext(ctx, { query: '' })).contextFactory();
          const viewer = (context as { viewer?: Viewer | null }).viewer;
          const socket = ctx.extra.socket;
          if (!viewer || socket.readyState !== socket.OPEN) return false;
          const release = perUser.tryOpen(viewer.userId);
          if (!release) {
            socket.close(WS_CLOSE_TOO_MANY, `Too many connections: at most ${perUser.max} per user`);
            return false;
          }
          socket.once('close', release);
          if (opts.watchAccess) {
            // 4403 like a refused token; graphql-ws clients retry it, so one whose role changed reconnects with its new rights.
            const unwatch = opts.watchAccess(viewer, (why) =>
              socket.close(4403, why === 'ended' ? 'Forbidden: your sign-in ended' : 'Forbidden: your access changed'),
            );
            socket.once('close', unwatch);
          }
          return true;
        } catch (err) {
          logger.debug({ err }, 'graphql-ws: connection refused');
          return false;
        }
      },

      async onSubscribe(ctx, id, payload) {
        if (Object.keys(ctx.subscriptions).length > WS_MAX_SUBSCRIPTIONS) {
          return [new GraphQLError(`at most ${WS_MAX_SUBSCRIPTIONS} operations may be open on one connection`)];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped(initialContext(ctx, payload));
        let document;
        try {
          document = parse(payload.query);
        } catch (err) {
          return asGraphQLErrors(err, logger, 'parse');
        }
        try {
          const errors = validate(schema, document);
          if (errors.length) return errors;
        } catch (err) {
          return asGraphQLErrors(err, logger, 'validate');
        }
        let contextValue;
        try {
          contextValue = await contextFactory();
        } catch (err) {
          return asGraphQLErrors(err, logger, 'context');
        }
        const args: EnvelopedArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          envelopedExecute: execute,
          envelopedSubscribe: subscribe,
          shareKey: shareKey(contextValue, payload),
          deliverJson: nextMessageWriter(ctx.extra.socket, id),
          socket: ctx.extra.socket,
        };
        return args;
      },
    },
    wss,
  );

  return {
    get openSubscriptions() {
      return subscriptions.count('open');
    },
    dispose() {
      disposing ??= (async () => {
        // Clients get 1001 "Going away" and their subscriptions end; one that never answers is cut off.
        const cutOff = setTimeout(() => {
          for (const client of wss.clients) client.terminate();
        }, CLOSE_GRACE_MS);
        try {
          const closed = graphqlWs.dispose();
          // The close frames are queued behind batched writes; send them now.
          writes.flush();
          await closed;
        } finally {
          clearTimeout(cutOff);
        }
      })();
      return disposing;
    },
  };
}
