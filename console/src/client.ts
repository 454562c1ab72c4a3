import { Client, fetchExchange, makeOperation, mapExchange, type Operation, stringifyDocument, subscriptionExchange, type TypedDocumentNode } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { createClient as createWsClient } from 'graphql-ws';
import possibleTypes from 'virtual:possible-types';
import { storedToken } from './session.ts';

/** The header yoga's CSRF prevention asks of every HTTP request (src/graphql/security.ts). */
const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** Types without an id: graphcache keeps them inside their parent instead of normalizing them. */
const EMBEDDED = [
  'RecentCheck',
  'UptimeReport',
  'LatencyBucket',
  'DailyUptime',
  'Check',
  'CheckEvent',
  'StateChange',
  'StateChangeEvent',
  'EngineStatus',
  'LogEntry',
  'PageInfo',
  'LoginPayload',
  'SitePayload',
  'DeletePayload',
  'FieldIssue',
  'SiteChangeEvent',
  'AlertProviderInfo',
  'AlertSetting',
] as const;

function headers(token: string | null): Record<string, string> {
  return { [CSRF_HEADER]: '1', ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

/**
 * One query over HTTP that bypasses the cache: for figures that are reports over a window rather than an object's
 * state (uptime per site), which the normalized cache would otherwise merge into the live, paginated site list.
 */
export async function queryUncached<TData, TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<TData> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers(storedToken()) },
    body: JSON.stringify({ query: stringifyDocument(document), variables }),
  });
  const body = (await res.json()) as { data?: TData; errors?: { message: string }[] };
  if (!body.data) throw new Error(body.errors?.[0]?.message ?? `HTTP ${res.status}`);
  return body.data;
}

/** Per client: hears each time the tab reads again what it shows, after events may have been lost. */
const resyncs = new WeakMap<Client, EventTarget>();

/**
 * Calls `listener` whenever the client reads its shown queries again. What one query does not hold (the later pages
 * of a list, fetched one by one) is not among them: whoever reads it listens here. Returns the unsubscribe.
 */
export function onResync(client: Client, listener: () => void): () => void {
  const target = resyncs.get(client);
  target?.addEventListener('resync', listener);
  return () => target?.removeEventListener('resync', listener);
}

export interface ApiClient {
  urql: Client;
  /** Closes the WebSocket (on sign-out). */
  close(): void;
}

/** The longest wait between two tries to reach the server again. */
const RETRY_CAP_MS = 8_000;

/**
 * One urql client per signed-in tab: HTTP for queries and mutations, graphql-ws for subscriptions, both with the
 * session's bearer token, and graphcache as the normalized cache, so a subscription event that carries a Site updates
 * that Site everywhere it is shown.
 */
export function createApiClient(token: string | null, onUnauthenticated: () => void): ApiClient {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const ws = createWsClient({
    url: wsUrl,
    lazy: true,
    // Kept open a while after the last subscription ends: moving between pages does not drop events on the way.
    lazyCloseTimeout: 60_000,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    // A dashboard is left open through server restarts and network outages of any length: graphql-ws's default of
    // five tries gave up after some 45 s, and the page then showed its last statuses as live, forever. It tries
    // without end, at most RETRY_CAP_MS apart, each tab at its own moment so a restarted server is not hit by all
    // at once.
    retryAttempts: Number.POSITIVE_INFINITY,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** retries, RETRY_CAP_MS) + Math.random() * 1000)),
  });
  const keys = Object.fromEntries(EMBEDDED.map((name) => [name, () => null]));
  // The last operation of each query, to read them again from the server; the client skips those no longer shown.
  const queries = new Map<number, Operation>();
  const resync = new EventTarget();
  const refresh = () => {
    for (const op of queries.values()) urql.reexecuteOperation(makeOperation('query', op, { ...op.context, requestPolicy: 'network-only' }));
    resync.dispatchEvent(new Event('resync'));
  };
  // Events sent while no connection was open are lost: a connection after a close (a drop, even before the first
  // one was acknowledged, or the lazy close) reads what is shown again, or the page would keep a status that changed
  // meanwhile until that site's next check. 4403: the sign-in ended or its rights changed, and graphql-ws only
  // retries; the queries tell which (an ended one answers UNAUTHENTICATED, which signs the tab out below) instead of
  // the page freezing on its last statuses.
  let closed = false;
  ws.on('closed', (event) => {
    closed = true;
    if ((event as CloseEvent).code === 4403) refresh();
  });
  ws.on('connected', () => {
    if (closed) refresh();
  });
  const urql = new Client({
    url: '/graphql',
    preferGetMethod: false,
    fetchOptions: () => ({ headers: headers(token) }),
    exchanges: [
      // An expired or revoked session: back to the sign-in form.
      mapExchange({
        onOperation(operation) {
          if (operation.kind === 'query') queries.set(operation.key, operation);
        },
        onError(error, operation) {
          const codes = error.graphQLErrors.map((e) => e.extensions?.code);
          if (codes.includes('UNAUTHENTICATED')) onUnauthenticated();
          // A change refused for want of rights: the role dropped elsewhere, unheard while no socket was open to be
          // closed (4403 above). What is shown is read again, `me` with it, so the controls that now fail go away.
          // Only for mutations: a query refused again would read again without end.
          else if (operation.kind === 'mutation' && codes.includes('FORBIDDEN')) refresh();
        },
      }),
      cacheExchange({
        keys,
        // The schema's interfaces and unions: without them graphcache guesses whether `... on Error { message }`
        // applies to an InvalidCredentialsError, guesses no, and the API's message never reaches the page.
        possibleTypes,
        resolvers: { Query: { sites: relayPagination() } },
        updates: {
          Mutation: {
            // A deleted site leaves every list; a created one joins them on the next read from the server.
            deleteSite(result: { deleteSite?: { deletedId?: string } }, _args, cache) {
              const id = result.deleteSite?.deletedId;
              if (id) cache.invalidate({ __typename: 'Site', id });
            },
            createSite(_result, _args, cache) {
              cache.invalidate('Query', 'sites', { first: 100 });
            },
          },
          Subscription: {
            // Deleted elsewhere (another tab, a script): it leaves every list here too.
            siteChanged(result: { siteChanged?: { siteId: string; site: unknown } }, _args, cache) {
              const event = result.siteChanged;
              if (event?.site === null) cache.invalidate({ __typename: 'Site', id: event.siteId });
            },
          },
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  resyncs.set(urql, resync);
  return { urql, close: () => void ws.dispose() };
}
