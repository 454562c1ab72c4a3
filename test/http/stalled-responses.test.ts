import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import { cutWhenStalled } from '../../src/http/stalled-responses.ts';

const PERIOD_MS = 1000;
/** More than loopback's socket buffers take from a client that does not read. */
const LARGE = 32 * 1024 * 1024;
/** Written in slices as routes.ts writes a large body: a slice taken whole is progress node reports. */
const SLICE = 1024 * 1024;

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A server whose every answer is watched by cutWhenStalled on `clock`; `answer` writes it. */
async function serve(
  clock: FakeClock,
  answer: (res: http.ServerResponse) => void,
): Promise<{ port: number; cuts: number[]; responses: http.ServerResponse[] }> {
  const cuts: number[] = [];
  const responses: http.ServerResponse[] = [];
  server = http.createServer((_req, res) => {
    responses.push(res);
    cutWhenStalled(res, clock, PERIOD_MS, (unsent) => cuts.push(unsent));
    answer(res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, cuts, responses };
}

/** A raw client that has asked for `/` and counts the bytes it has read. */
function ask(port: number): { socket: net.Socket; received: () => number; closed: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET / HTTP/1.1\r\nHost: test\r\n\r\n');
  let received = 0;
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  return { socket, received: () => received, closed: new Promise((resolve) => socket.once('close', () => resolve())) };
}

describe('cutWhenStalled', () => {
  it('cuts an answer its client stopped reading, after a whole period without progress', async () => {
    const clock = new FakeClock();
    const { port, cuts, responses } = await serve(clock, (res) => res.end(Buffer.alloc(LARGE)));
    const client = ask(port);
    client.socket.pause();
    await expect.poll(() => responses[0]?.writableLength ?? 0).toBeGreaterThan(0);

    clock.advance(PERIOD_MS);
    expect(responses[0]!.destroyed).toBe(false);
    clock.advance(PERIOD_MS);
    expect(responses[0]!.destroyed).toBe(true);
    expect(cuts).toHaveLength(1);
    expect(cuts[0]).toBeGreaterThan(0);
  });

  it('keeps a request that is still being worked on, and a client that reads slowly', async () => {
    const clock = new FakeClock();
    const { port, cuts, responses } = await serve(clock, () => undefined);
    const client = ask(port);
    client.socket.pause();
    await expect.poll(() => responses.length).toBe(1);
    const res = responses[0]!;
    // Nothing to send yet: periods pass.
    clock.advance(10 * PERIOD_MS);
    for (let at = 0; at < LARGE; at += SLICE) res.write(Buffer.alloc(SLICE));
    res.end();

    // The client takes a little in every period.
    while (res.writableLength > 0) {
      const unsent = res.writableLength;
      client.socket.resume();
      await expect.poll(() => res.writableLength).toBeLessThan(unsent);
      client.socket.pause();
      clock.advance(PERIOD_MS);
    }
    client.socket.resume();
    await expect.poll(() => client.received()).toBeGreaterThan(LARGE);
    expect(cuts).toEqual([]);
  });
});
