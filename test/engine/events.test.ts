import { describe, expect, it } from 'vitest';
import { createAppPubSub, SUBSCRIBER_BACKLOG } from '../../src/engine/events.ts';
import type { LogRecord } from '../../src/engine/types.ts';

const log = (i: number): LogRecord => ({ message: String(i), createdAt: new Date(0), siteId: null });

describe('the engine pubsub', () => {
  it('drops the oldest events of a subscriber that falls behind, without throwing, and says so once', async () => {
    const overflows: string[] = [];
    const pubsub = createAppPubSub({ onOverflow: (topic) => overflows.push(topic) });
    const slow = pubsub.subscribe('log:added')[Symbol.asyncIterator]();
    // A subscription listens from its first read, which waits here as a client's would.
    const first = slow.next();
    // The burst a reconcile or a loop over many sites can publish in one turn: far past one subscriber's backlog.
    for (let i = 0; i < 3000; i++) pubsub.publish('log:added', log(i));
    expect(((await first).value as LogRecord).message).toBe('0');
    const read: string[] = [];
    for (let i = 0; i < SUBSCRIBER_BACKLOG; i++) read.push(((await slow.next()).value as LogRecord).message);
    // The newest events after the first, in order; the rest went.
    expect(read).toEqual(Array.from({ length: SUBSCRIBER_BACKLOG }, (_, k) => String(3000 - SUBSCRIBER_BACKLOG + k)));
    expect(overflows).toEqual(['log:added']);
    // Nothing older is left over: what comes next is the next event.
    pubsub.publish('log:added', log(3000));
    expect(((await slow.next()).value as LogRecord).message).toBe('3000');
    await slow.return?.();
  });
});
