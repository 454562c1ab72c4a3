import { Client, fetchExchange, mapExchange, subscriptionExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { createClient as createWsClient } from 'graphql-ws';

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
] as const;

export interface ApiClient {
  urql: Client;
  /** Closes the WebSocket (on sign-out). */
  close(): void;
}

/**
 * One urql client per signed-in tab: HTTP for queries and mutations, graphql-ws for subscriptions, both with the
 * session's bearer token, and graphcache as the normalized cache, so a subscription event that carries a Site updates
 * that Site everywhere it is shown.
 */
export function createApiClient(token: string | null, onUnauthenticated: () => void): ApiClient {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const ws = createWsClient({ url: wsUrl, lazy: true, connectionParams: token ? { authorization: `Bearer ${token}` } : {} });
  const keys = Object.fromEntries(EMBEDDED.map((name) => [name, () => null]));
  const urql = new Client({
    url: '/graphql',
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { [CSRF_HEADER]: '1', ...(token ? { authorization: `Bearer ${token}` } : {}) } }),
    exchanges: [
      // An expired or revoked session: back to the sign-in form.
      mapExchange({
        onError(error) {
          if (error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) onUnauthenticated();
        },
      }),
      cacheExchange({
        keys,
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
  return { urql, close: () => void ws.dispose() };
}
