import pino from 'pino';
import { onTestFinished } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { installationId } from '../../src/db/installation.ts';
import { Engine } from '../../src/engine/engine.ts';
import { type AppPubSub, createAppPubSub } from '../../src/engine/events.ts';
import type { CheckRecord } from '../../src/engine/types.ts';
import { BatchWriter } from '../../src/writer/writer.ts';
import { freshDbFile } from '../helpers/db.ts';

/**
 * A real engine and writer on the system clock over a fresh SQLite file, not started. `prepare` writes the rows it is
 * to start with. Both stop when the test ends.
 */
export async function systemClockEngine<T>(prepare: (writer: BatchWriter) => Promise<T>) {
  const t = freshDbFile();
  const [writeDb, db] = await Promise.all([t.open(), t.open()]);
  const installation = await installationId(writeDb);
  const config = loadConfig({ UPTOP_ENCRYPTION_KEY: 'ab'.repeat(32) });
  const logger = pino({ level: 'silent' });
  const writer = new BatchWriter({ db: writeDb, clock: systemClock, logger, config: config.writer });
  writer.start();
  const prepared = await prepare(writer);
  const pubsub = createAppPubSub();
  const engine = new Engine({ db, writer, pubsub, clock: systemClock, config, logger, installation });
  onTestFinished(async () => {
    await engine.stop();
    await writer.stop();
  });
  return { engine, pubsub, prepared };
}

/** The checks that are not UP, one at a time as the engine completes them; `stop` ends the subscription. */
export function failuresOf(pubsub: AppPubSub) {
  const failures = pubsub.subscribe('site:checkCompleted')[Symbol.asyncIterator]();
  return {
    async next(): Promise<CheckRecord> {
      for (;;) {
        const { value } = await failures.next();
        if (value.status !== 'UP') return value;
      }
    },
    stop: async () => {
      await failures.return?.();
    },
  };
}
