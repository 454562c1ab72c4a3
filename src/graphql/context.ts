import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { EngineApi } from '../engine/types.ts';
import type { Role } from '../generated/prisma/client.ts';
import type { Logger } from '../log.ts';
import type { Writer } from '../writer/types.ts';
import type { AppPubSub } from './pubsub.ts';

/** Who is asking: resolved from a session or API token. */
export interface Viewer {
  userId: number;
  username: string;
  role: Role;
  /** A read-only API token: may only run queries and subscriptions, whatever the user's role. */
  readOnly: boolean;
  via: 'session' | 'apiToken';
  /** Hash of the presented token, so `logout` can end this session. */
  tokenHash: string;
}

/** The long-lived parts every request shares. `db` only reads; every write goes through `writer.submit`. */
export interface AppDeps {
  db: Db;
  writer: Writer;
  engine: EngineApi;
  pubsub: AppPubSub;
  config: Config;
  clock: Clock;
  logger: Logger;
}

/** What transports hand to the context factory (HTTP headers, or graphql-ws connectionParams). */
export interface RequestInfo {
  /** The raw `Authorization` value, e.g. `Bearer abc`; null when absent. */
  authorization: string | null;
  /** The client's IP as the HTTP layer resolved it (X-Forwarded-For only behind trusted proxies). */
  clientIp: string;
}
