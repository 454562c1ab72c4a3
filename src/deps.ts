import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import type { EngineApi } from './engine/types.ts';
import type { AppPubSub } from './engine/events.ts';
import type { Logger } from './log.ts';
import type { Writer } from './writer/types.ts';

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
