import { print } from 'graphql';
import pino from 'pino';
import { onTestFinished } from 'vitest';
import { createApp, type App, type AppOverrides } from '../../src/app.ts';
import { FakeClock, type Clock } from '../../src/clock.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Role } from '../../src/generated/prisma/client.ts';
import { globalId } from '../../src/graphql/ids.ts';
import { freshTestDatabase, type TestDatabase } from './db.ts';
import { Result, type Document } from './result.ts';

export interface SeededUser {
  /** Global ID (`User:n`). */
  id: string;
  username: string;
  password: string;
  role: Role;
  /** A session token from a real `login`. */
  token: string;
}

export interface TestApp {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** `http://127.0.0.1:<port>/graphql`. */
  graphqlUrl: string;
  /** `ws://127.0.0.1:<port>/graphql`. */
  wsUrl: string;
  port: number;
  app: App;
  config: Config;
  clock: Clock;
  db: TestDatabase;
  /** One signed-in user per role (the admin is the first admin created from UPTOP_ADMIN_USER at start). */
  users: Record<'admin' | 'editor' | 'viewer', SeededUser>;
  /** POSTs a GraphQL operation with `fetch`; `token` becomes `Authorization: Bearer <token>`. */
  request<TData = Record<string, any>, TVars = Record<string, unknown>>(
    document: Document<TData, TVars>,
    variables?: TVars,
    token?: string | null,
  ): Promise<Result<TData>>;
  /** Signs in through the `login` mutation and returns the session token (throws on a typed error). */
  login(username: string, password: string): Promise<string>;
  stop(): Promise<void>;
}

export interface TestAppOptions extends Omit<AppOverrides, 'clock'> {
  /** Defaults to a FakeClock, so the engine's timers only run when a test advances time. */
  clock?: Clock;
  /** Extra or overriding environment (strings, as in a real environment). */
  env?: Record<string, string>;
}

const LOGIN = /* GraphQL */ `
  mutation TestLogin($input: LoginInput!) {
    login(input: $input) {
      __typename
      ... on LoginPayload { token }
      ... on Error { message }
    }
  }
`;

/**
 * The real app on 127.0.0.1 and an ephemeral port, with its own migrated database (test/helpers/db.ts), seeded with an ADMIN, an EDITOR
 * and a VIEWER who are signed in. Call inside a test: the database is removed when the test finishes, and the
 * app is stopped then too if the test did not stop it.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = await freshTestDatabase();
  const clock = options.clock ?? new FakeClock(Date.now());
  const config = loadConfig({
    DATABASE_URL: db.url,
    UPTOP_HTTP_HOST: '127.0.0.1',
    UPTOP_HTTP_PORT: '0',
    UPTOP_ADMIN_USER: 'admin',
    UPTOP_ADMIN_PASSWORD: 'admin-password',
    UPTOP_ALLOW_PRIVATE_TARGETS: 'true',
    UPTOP_LOGIN_RATE_LIMIT: '1000',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const { env: _env, clock: _clock, ...overrides } = options;
  const app = await createApp(config, { logger: pino({ level: config.logLevel }), clock, ...overrides });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.stop();
  };
  let port: number;
  try {
    ({ port } = await app.start());
  } catch (err) {
    await stop();
    throw err;
  }
  // Registered after the database's cleanup, so it runs first (hooks run in reverse): stop, then remove the database.
  onTestFinished(stop);

  const url = `http://127.0.0.1:${port}`;
  const graphqlUrl = `${url}/graphql`;

  const request: TestApp['request'] = async (document, variables, token) => {
    const res = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query: typeof document === 'string' ? document : print(document), variables }),
    });
    return new Result(document as Document<any, never>, variables, res.status, (await res.json()) as object);
  };

  const login = async (username: string, password: string) => {
    const res = await request<{ login: { __typename: string; token?: string; message?: string } }>(LOGIN, { input: { username, password } });
    const result = res.data?.login;
    if (!result?.token) throw new Error(`login as ${username} failed: ${result?.message ?? JSON.stringify(res.errors)}`);
    return result.token;
  };

  // Created one after the other so ids are stable (admin 1, editor 2, viewer 3); sign-ins run together.
  const seeded: [string, Role][] = [
    ['admin', 'ADMIN'],
    ['editor', 'EDITOR'],
    ['viewer', 'VIEWER'],
  ];
  for (const [username, role] of seeded) {
    if (role !== 'ADMIN') await app.deps.services.users.create({ username, password: `${username}-password`, role });
  }
  const [admin, editor, viewer] = await Promise.all(
    seeded.map(async ([username, role]): Promise<SeededUser> => {
      const password = `${username}-password`;
      const user = await app.deps.db.user.findUniqueOrThrow({ where: { username } });
      return { id: globalId('User', user.id), username, password, role, token: await login(username, password) };
    }),
  );

  return {
    url,
    graphqlUrl,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    port,
    app,
    config,
    clock,
    db,
    users: { admin: admin!, editor: editor!, viewer: viewer! },
    request,
    login,
    stop,
  };
}
