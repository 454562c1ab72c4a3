import pino from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import { EventLog } from '../../src/engine/event-log.ts';
import { createAppPubSub } from '../../src/engine/events.ts';
import type { LogRecord } from '../../src/engine/types.ts';
import type { Write } from '../../src/writer/types.ts';

function eventLog() {
  const pubsub = createAppPubSub();
  const published: LogRecord[] = [];
  const iterator = pubsub.subscribe('log:added');
  void (async () => {
    for await (const record of iterator) published.push(record);
  })();
  onTestFinished(() => void iterator.return?.());
  const log = new EventLog({ clock: new FakeClock(Date.UTC(2026, 0, 1)), pubsub, logger: pino({ level: 'silent' }) });
  return { log, published };
}

describe('EventLog', () => {
  it('keeps a line the writer notes in memory and publishes it before any writer is attached', async () => {
    const { log, published } = eventLog();
    log.add('write queue full', null, false);
    expect(log.newest().map((r) => r.message)).toEqual(['write queue full']);
    await expect.poll(() => published.map((r) => r.message)).toEqual(['write queue full']);
  });

  it('refuses to persist a line before it is given the writer, and keeps nothing of it', () => {
    const { log } = eventLog();
    expect(() => log.add('too early')).toThrow(/before it is given the writer/);
    expect(log.newest()).toEqual([]);
  });

  it('persists through the writer it is given, sanitized, unless told not to', () => {
    const { log } = eventLog();
    const writes: Write[] = [];
    log.persistTo({ enqueue: (write) => writes.push(write) });
    log.add('a\nb', 7);
    log.add('memory only', null, false);
    expect(writes).toEqual([{ kind: 'log', message: 'a\\nb', siteId: 7, createdAt: new Date(Date.UTC(2026, 0, 1)) }]);
    expect(log.newest().map((r) => r.message)).toEqual(['memory only', 'a\\nb']);
  });

  it('puts lines read newest first back in their order, as the newest in memory', () => {
    const { log } = eventLog();
    log.add('new', null, false);
    const at = new Date(0);
    log.restore([
      { message: 'older', createdAt: at, siteId: null },
      { message: 'oldest', createdAt: at, siteId: null },
    ]);
    expect(log.newest().map((r) => r.message)).toEqual(['older', 'oldest', 'new']);
  });
});
