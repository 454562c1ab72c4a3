import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphQLSchema } from 'graphql';
import { createYoga, type CORSOptions, type YogaLogger } from 'graphql-yoga';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { ConnectionCounter } from '../http/connection-limits.ts';
import type { GraphqlEndpoint } from '../http/server.ts';
import { StreamTickets } from '../http/stream-tickets.ts';
import type { Logger } from '../log.ts';
import type { HeartbeatService } from '../services/heartbeat.ts';
import type { Services } from '../services/index.ts';
import { createContextFactory } from './context.ts';
import { compiledQueries } from './jit.ts';
import { maskError } from './mask-error.ts';
import { CSRF_HEADER, securityPlugins } from './security.ts';
import { SubscriptionCloser } from './subscription-closer.ts';

function yogaLogger(logger: Logger): YogaLogger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      const [first, ...rest] = args;
      if (first instanceof Error) logger[level]({ err: first, detail: rest.length ? rest : undefined }, 'graphql-yoga');
      else logger[level]({ detail: rest.length ? rest : undefined }, `graphql-yoga: ${String(first)}`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * yoga's `cors`: headers only for a listed cross-origin caller (a refused origin never reaches yoga, see
 * http/server.ts), and no credentials, which bearer tokens do not need. Same-origin requests need no CORS headers.
 */
function corsOptions(config: Config): (request: Request) => CORSOptions {
  return (request) => {
    const origin = request.headers.get('origin')?.toLowerCase();
    if (!origin || !config.http.corsOrigins.includes(origin)) return false;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type', 'accept', CSRF_HEADER],
      maxAge: 600,
    };
  };
}

/** yoga on `/graphql` (GET/POST, SSE, GraphiQL) with uptop's context, security plugins and error masking. */
export function createGraphqlEndpoint(
  opts: AppDeps & {
    services: Services;
    heartbeat: HeartbeatService;
    schema: GraphQLSchema;
    /** Each time the events between instances (Redis) are back after a loss; absent for one instance. */
    eventsLost?: (listener: () => void) => void;
  },
): GraphqlEndpoint {
  const { schema, ...deps } = opts;
  const { config } = deps;
  const subscriptions = new SubscriptionCloser();
  const streamTickets = new StreamTickets(deps.clock);
  const yoga = createYoga<{ req: IncomingMessage; res: ServerResponse }>({
    schema,
    context: createContextFactory({ ...deps, subscriptions, streamTickets, sseStreams: new ConnectionCounter(config.limits.ssePerUser) }),
    graphqlEndpoint: '/graphql',
    graphiql: config.graphql.graphiql ? { title: 'uptop', subscriptionsProtocol: 'WS' } : false,
    renderGraphiQL,
    landingPage: false,
    // src/http/server.ts reads the body, within UPTOP_BODY_LIMIT, before yoga runs; yoga's own limit piped that
    // already-read body through a second stream on every request (a quarter of a sites page's server CPU).
    maxRequestBodySize: false,
    maskedErrors: { maskError, isDev: false },
    cors: corsOptions(config),
    plugins: [...securityPlugins(config), compiledQueries()],
    logging: yogaLogger(deps.logger.child({ component: 'graphql' })),
  });
  return {
    yoga,
    get openSubscriptions() {
      return subscriptions.size;
    },
    closeSubscriptions: () => subscriptions.closeAll(),
  };
}
