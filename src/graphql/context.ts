import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Viewer } from '../auth/viewer.ts';
import type { AppDeps } from '../deps.ts';
import { resolveClientKey } from '../http/client-ip.ts';
import { releasing, type ConnectionCounter } from '../http/connection-limits.ts';
import { ticketOf, type StreamTickets } from '../http/stream-tickets.ts';
import type { HeartbeatService } from '../services/heartbeat.ts';
import type { Services } from '../services/index.ts';
import { ClosedBucketCache } from '../history/closed-buckets.ts';
import { createHistoryLoaders, type HistoryLoaders } from './loaders.ts';
import { endingOnLoss } from '../engine/lost-events.ts';
import type { SubscriptionCloser } from './subscription-closer.ts';

/** What transports hand to the context factory (HTTP headers, or graphql-ws connectionParams). */
export interface RequestInfo {
  /** The raw `Authorization` value, e.g. `Bearer abc`; null when absent. */
  authorization: string | null;
  /** What the client's limits count under: its IP as the HTTP layer resolved it (X-Forwarded-For only behind trusted proxies), an IPv6 one's /64. */
  clientKey: string;
}

/** What every resolver sees: the shared parts, the services, and who is asking from where. */
export interface GraphQLContext extends AppDeps {
  services: Services;
  heartbeat: HeartbeatService;
  /** Subscription sources go through `subscriptions.track`, so shutdown, and the end of the viewer's access, complete them. */
  subscriptions: Pick<SubscriptionCloser, 'track'>;
  viewer: Viewer | null;
  /** The credential the viewer was resolved from (`Bearer …`), for `createStreamTicket` to stand in for. */
  authorization: string | null;
  clientKey: string;
  streamTickets: StreamTickets;
  /** Batches the per-site history fields of a list into one read per field (loaders.ts). */
  loaders: HistoryLoaders;
}

/**
 * What yoga hands the context factory. Over HTTP: the Fetch `request` and node's `req`; over graphql-ws (ws.ts,
 * built on `yoga.getEnveloped`): the upgrade `req` and the client's `connectionParams`, and no `request`.
 */
export interface ContextInput {
  request?: { url?: string; headers: { get(name: string): string | null } };
  req?: IncomingMessage;
  connectionParams?: Readonly<Record<string, unknown>>;
  /** The graphql-ws connection's socket (ws.ts); absent over HTTP and SSE. */
  socket?: unknown;
}

/** Reads the transport's credentials (RequestInfo) from what yoga or graphql-ws passed in. */
export function requestInfo(input: ContextInput, trustedProxies: string[]): RequestInfo {
  const params = input.connectionParams;
  const fromParams = params ? (params.authorization ?? params.Authorization) : undefined;
  const authorization = params ? (typeof fromParams === 'string' ? fromParams : null) : (input.request?.headers.get('authorization') ?? null);
  return { authorization, clientKey: input.req ? resolveClientKey(input.req, trustedProxies) : 'unknown' };
}

/** An SSE request's `?ticket=` (stream-tickets.ts), redeemed for the credential it stands for; null without one. */
function ticketAuthorization(input: ContextInput, tickets: StreamTickets): string | null {
  if (!input.request?.headers.get('accept')?.includes('text/event-stream')) return null;
  const ticket = ticketOf(input.request.url);
  return ticket ? tickets.redeem(ticket) : null;
}

/** An SSE subscription counted against its user's open streams; refused with TOO_MANY_STREAMS past the limit. */
function countedStream<T>(streams: ConnectionCounter, viewer: Viewer, source: AsyncIterable<T>): AsyncIterable<T> {
  const release = streams.tryOpen(viewer.userId);
  if (!release) {
    throw new GraphQLError(`at most ${streams.max} open SSE streams per user (UPTOP_SSE_PER_USER)`, { extensions: { code: 'TOO_MANY_STREAMS' } });
  }
  return releasing(source, release);
}

/** The yoga `context` function: the same for HTTP, SSE and graphql-ws. */
export function createContextFactory(
  deps: AppDeps & {
    services: Services;
    heartbeat: HeartbeatService;
    subscriptions: SubscriptionCloser;
    streamTickets: StreamTickets;
    /** Open SSE subscriptions per user (UPTOP_SSE_PER_USER). */
    sseStreams: ConnectionCounter;
    /** Calls its listener each time the events between instances (Redis) are back after a loss; absent for one instance. */
    eventsLost?: (listener: () => void) => void;
  },
) {
  // Kept across requests: closed rollups do not change (see ClosedBucketCache), but for checks written late, which
  // every instance hears of: their sites' kept buckets are compared with the rows for a while.
  const latencyCache = new ClosedBucketCache();
  void (async () => {
    for await (const { siteId } of deps.pubsub.subscribe('site:lateCheck')) latencyCache.noteLateCheck(siteId, deps.clock.nowMs());
  })();
  deps.eventsLost?.(() => latencyCache.clear());
  // Subscriptions end when events may have been lost, so their clients read again what they show.
  const pubsub = deps.eventsLost ? endingOnLoss(deps.pubsub, deps.eventsLost) : deps.pubsub;
  return async (input: ContextInput): Promise<GraphQLContext> => {
    const info = requestInfo(input, deps.config.trustedProxies);
    const authorization = info.authorization ?? ticketAuthorization(input, deps.streamTickets);
    const viewer = await deps.services.auth.resolveViewer(authorization);
    // An SSE stream ends when its viewer's access does. graphql-ws connections are watched whole instead (ws.ts):
    // their subscribers share executions, so one subscriber's source is not theirs alone to end.
    const watch = viewer && input.socket === undefined ? (end: () => void) => deps.services.auth.watch(viewer, end) : undefined;
    const track = <T>(source: AsyncIterable<T>) =>
      deps.subscriptions.track(viewer && input.socket === undefined ? countedStream(deps.sseStreams, viewer, source) : source, watch);
    return {
      ...deps,
      pubsub,
      viewer,
      authorization,
      clientKey: info.clientKey,
      subscriptions: { track },
      loaders: createHistoryLoaders({ ...deps, latencyCache }),
    };
  };
}
