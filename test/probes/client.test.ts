import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import { ProbeClient } from '../../src/probes/client.ts';
import { startReceiver } from '../helpers/receiver.ts';

const NODE = { id: 'p1', name: 'probe one', region: 'eu', version: 'test' };

/**
 * What the signal holds for others: its listeners, and the signals AbortSignal.any made from it (Node 20 keeps a
 * record of each in an internal set, which nothing public shows, and never removes it).
 */
function heldBy(signal: AbortSignal): { listeners: number; dependants: number } {
  const dependants = Object.getOwnPropertySymbols(signal).find((symbol) => symbol.description === 'kDependantSignals');
  const set = dependants ? (signal as unknown as Record<symbol, Set<unknown> | undefined>)[dependants] : undefined;
  return { listeners: getEventListeners(signal, 'abort').length, dependants: set?.size ?? 0 };
}

describe('the probe client', () => {
  it('leaves nothing behind on its stop signal, which lives as long as the probe, however many requests it made', async () => {
    const receiver = await startReceiver();
    const stop = new AbortController();
    const client = new ProbeClient({ server: receiver.url, token: 'token', clock: new FakeClock(Date.UTC(2026, 5, 1)), signal: stop.signal });
    for (let i = 0; i < 50; i++) await client.register(NODE);
    expect(receiver.requests.map((r) => `${r.method} ${r.path}`)).toEqual(Array(50).fill('POST /api/probe/register'));
    expect(heldBy(stop.signal)).toEqual({ listeners: 0, dependants: 0 });
  });

  it('still abandons a request in flight when stopped, with the reason given', async () => {
    const receiver = await startReceiver();
    receiver.delay = 'never';
    const stop = new AbortController();
    const client = new ProbeClient({ server: receiver.url, token: 'token', clock: new FakeClock(Date.UTC(2026, 5, 1)), signal: stop.signal });
    const registering = client.register(NODE);
    await receiver.nextRequest();
    stop.abort(new Error('probe stopping'));
    await expect(registering).rejects.toThrow('probe stopping');
    expect(heldBy(stop.signal)).toEqual({ listeners: 0, dependants: 0 });
  });
});
