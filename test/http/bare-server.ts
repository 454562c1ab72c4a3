import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPubSub, createSchema, createYoga } from 'graphql-yoga';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Viewer } from '../../src/auth/viewer.ts';
import { securityPlugins } from '../../src/graphql/security.ts';
import { attachGraphqlWs, type WsInitialContext } from '../../src/http/ws.ts';
import { createLogger, type Logger } from '../../src/log.ts';

/**
 * A small yoga server with uptop's security plugins and graphql-ws attached, on a real port: the transport
 * modules tested on their own, before and apart from the full app. `Bearer good` and `Bearer other` are the valid
 * tokens, of two different users.
 */
export interface BareServer {
  url: string;
  wsUrl: string;
  port: number;
  /** The HTTP server, for what it counts (open connections). */
  http: http.Server;
  config: Config;
  pubsub: ReturnType<typeof createPubSub<{ tick: [number] }>>;
  /** The tick values the `counted` subscription field has been resolved for (once per execution and event). */
  executed: number[];
  dispose(): Promise<void>;
  close(): Promise<void>;
}

const typeDefs = /* GraphQL */ `
  type Nested { value: String!  nested: Nested! }
  type Query { hello: String!  nested: Nested!  secret: String!  viewer: String }
  type Subscription { ticks: Int!  nested: Nested!  counted: Int!  big(size: Int!): String!  failing: Int! }
`;

const USERS: Record<string, Viewer> = {
  'Bearer good': { userId: 1, username: 'good', role: 'ADMIN', readOnly: false, via: 'session', tokenHash: 'a' },
  'Bearer other': { userId: 2, username: 'other', role: 'ADMIN', readOnly: false, via: 'session', tokenHash: 'b' },
};

function authorizationOf(ctx: { request?: Request } & Partial<WsInitialContext>): string | null {
  const fromWs = ctx.connectionParams?.authorization;
  if (typeof fromWs === 'string') return fromWs;
  return ctx.request?.headers.get('authorization') ?? null;
}

export async function startBareServer(env: Record<string, string> = {}, logger: Logger = createLogger('silent')): Promise<BareServer> {
  const config = loadConfig({ UPTOP_HTTP_PORT: '0', ...env });
  const pubsub = createPubSub<{ tick: [number] }>();
  const nested = (): { value: string; nested: unknown } => ({
    value: 'v',
    get nested() {
      return nested();
    },
  });
  const executed: number[] = [];
  const schema = createSchema<any>({
    typeDefs,
    resolvers: {
      Query: {
        hello: () => 'world',
        nested,
        secret: () => {
          throw new Error('SQLITE_ERROR: no such table: "Secret" at /srv/uptop/src/db.ts:42');
        },
        viewer: (_: unknown, __: unknown, ctx: { viewer: Viewer | null }) => ctx.viewer?.username ?? null,
      },
      Subscription: {
        ticks: { subscribe: () => pubsub.subscribe('tick'), resolve: (n: number) => n },
        nested: { subscribe: () => pubsub.subscribe('tick'), resolve: nested },
        counted: { subscribe: () => pubsub.subscribe('tick'), resolve: (n: number) => (executed.push(n), n) },
        big: { subscribe: () => pubsub.subscribe('tick'), resolve: (_: number, args: { size: number }) => 'x'.repeat(args.size) },
        failing: {
          async *subscribe() {
            for await (const n of pubsub.subscribe('tick')) {
              yield n;
              throw new Error('the source broke');
            }
          },
          resolve: (n: number) => n,
        },
      },
    },
  });
  const yoga = createYoga({
    schema,
    plugins: securityPlugins(config),
    graphiql: false,
    logging: false,
    context: (ctx: { request?: Request } & Partial<WsInitialContext>) => {
      const authorization = authorizationOf(ctx);
      if (authorization === null) return { viewer: null };
      const viewer = USERS[authorization];
      if (!viewer) throw new Error('unknown token');
      return { viewer };
    },
  });
  const server = http.createServer(yoga);
  const ws = attachGraphqlWs({ server, yoga, config, logger });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    port,
    http: server,
    config,
    pubsub,
    executed,
    dispose: () => ws.dispose(),
    async close() {
      await ws.dispose();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await yoga.dispose();
    },
  };
}

/** `{ nested { nested { ... { value } } } }` with `depth` levels of `nested` fields. */
export function nestedQuery(depth: number, root: 'query' | 'subscription' = 'query'): string {
  return `${root} { ${'nested { '.repeat(depth)}value${' }'.repeat(depth)} }`;
}
