import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { onTestFinished } from 'vitest';
import type { PlainRoute } from '../../src/http/plain.ts';
import { BODY_SLICE, createPlainRouter } from '../../src/http/routes.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { capturingLogger } from '../helpers/log.ts';
import { recordTurns } from '../helpers/turns.ts';

/** `routes` alone on a real server. */
async function serve(routes: PlainRoute[], logger: pino.Logger = pino({ level: 'silent' })): Promise<string> {
  const router = createPlainRouter(routes, logger);
  const server = http.createServer(async (req, res) => {
    if (!(await router(req, res))) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('plain routes: a large text body', () => {
  // Two full slices and a bit: a character of two UTF-8 bytes at the first slice's end, and an emoji (a surrogate
  // pair) across the second's.
  const body = `${'é'.repeat(BODY_SLICE)}${'x'.repeat(BODY_SLICE - 1)}🚀tail`;
  const routes: PlainRoute[] = [
    { path: '/large', methods: ['GET', 'HEAD'], answer: () => ({ status: 200, body }) },
    { path: '/small', methods: ['GET'], answer: () => ({ status: 200, body: 'small' }) },
  ];

  it('is written a slice per turn of the event loop, whole and with its length', async () => {
    const url = await serve(routes);
    const record = recordTurns();
    const res = await fetch(`${url}/large`);
    const text = await res.text().finally(record.stop);
    expect(text === body).toBe(true);
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    // The first slice goes out in the answer's own turn, the other two in a turn each.
    expect(record.steps()).toBe(2);
    expect(record.crowded()).toBe(-1);
  });

  it('answers HEAD with the headers alone, and a small body in one piece', async () => {
    const url = await serve(routes);
    const record = recordTurns();
    const head = await fetch(`${url}/large`, { method: 'HEAD' });
    const small = await fetch(`${url}/small`);
    expect([head.status, await head.text()]).toEqual([200, '']);
    expect([small.status, await small.text()]).toEqual([200, 'small']);
    record.stop();
    expect(record.steps()).toBe(0);
  });
});

describe('plain routes: a route that fails', () => {
  it('answers 500 and logs the route as declared, never the token in the path or the query', async () => {
    const { logger, lines } = capturingLogger();
    const fail = () => {
      throw new Error('disk full');
    };
    const url = await serve(
      [
        { path: '/api/push/', prefix: true, methods: ['GET'], answer: fail },
        { path: '/metrics', methods: ['GET'], answer: fail },
      ],
      logger,
    );
    const answers = await Promise.all([fetch(`${url}/api/push/s3cr3t-push-token?msg=x`), fetch(`${url}/metrics?token=s3cr3t-api-token`)]);
    expect(await Promise.all(answers.map(async (r) => [r.status, await r.text()]))).toEqual(Array(2).fill([500, 'Internal Server Error']));
    const logged = lines();
    expect(logged.map((l) => [l.msg, l.route, (l.err as { message: string }).message]).sort()).toEqual([
      ['plain route failed', '/api/push/…', 'disk full'],
      ['plain route failed', '/metrics', 'disk full'],
    ]);
    expect(JSON.stringify(logged)).not.toContain('s3cr3t');
  });
});
