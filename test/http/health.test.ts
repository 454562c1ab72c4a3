import fs from 'node:fs';
import { FIRST_RETRY_MS } from '../../src/writer/outage.ts';
import { vi } from 'vitest';
import { fillDisk } from '../helpers/db.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';

const ENGINE_WRITES = /* GraphQL */ `query EngineWrites { engineStatus { writesFailingSince writesFailing } }`;

async function get(url: string, method = 'GET') {
  const res = await fetch(url, { method });
  return { status: res.status, body: await res.text() };
}

describe('health endpoints', () => {
  it('/healthz answers 200 ok, /readyz 200 ready while the database answers and the engine runs', async ({ app: t }) => {
    expect(await get(`${t.url}/healthz`)).toEqual({ status: 200, body: 'ok' });
    expect(await get(`${t.url}/readyz`)).toEqual({ status: 200, body: 'ready' });
    expect(await get(`${t.url}/readyz`, 'HEAD')).toEqual({ status: 200, body: '' });
    expect((await get(`${t.url}/healthz`, 'POST')).status).toBe(405);
  });

  it('/readyz answers 503 naming the reason once the engine has stopped; /healthz stays 200', async ({ app: t }) => {
    await t.app.deps.engine.stop();
    expect(await get(`${t.url}/readyz`)).toEqual({ status: 503, body: 'not ready: engine not running' });
    expect(await get(`${t.url}/healthz`)).toEqual({ status: 200, body: 'ok' });
  });

  it('/readyz answers 503 when the database cannot be reached', async ({ app: t }) => {
    // The reading connection has to reopen the file, and the file's folder is gone.
    await t.app.deps.db.$disconnect();
    fs.rmSync(t.db.dir, { recursive: true, force: true });
    expect(await get(`${t.url}/readyz`)).toEqual({ status: 503, body: 'not ready: database unreachable' });
    expect(await get(`${t.url}/healthz`)).toEqual({ status: 200, body: 'ok' });
  });

  it('/readyz answers 503 while the database refuses writes, and 200 once the held writes land; engineStatus says so', async ({ app: t, clock, viewer }) => {
    const status = async () =>
      (await viewer.request<{ engineStatus: { writesFailingSince: string | null; writesFailing: string | null } }>(ENGINE_WRITES)).ok().engineStatus;
    expect(await status()).toEqual({ writesFailingSince: null, writesFailing: null });
    const { writer, writeDb } = t.app.deps;
    const roomAgain = await fillDisk(writeDb);
    for (let i = 0; i < 200; i++) writer.enqueue({ kind: 'log', message: `line ${i} ${'x'.repeat(200)}`, siteId: null, createdAt: clock.now() });
    await vi.waitFor(() => expect(writer.stats.failing).not.toBeNull(), { interval: 1 });

    const ready = await get(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatch(/^not ready: database writes failing since \S+ \(.*database or disk is full.*\)$/);
    const failing = await status();
    expect(failing.writesFailingSince).toBe(writer.stats.failing!.since.toISOString());
    expect(failing.writesFailing).toMatch(/database or disk is full/);

    await roomAgain();
    clock.advance(FIRST_RETRY_MS);
    await writer.writesDrained();
    expect(await get(`${t.url}/readyz`)).toEqual({ status: 200, body: 'ready' });
    expect(await status()).toEqual({ writesFailingSince: null, writesFailing: null });
    expect(await t.app.deps.db.log.count({ where: { message: { startsWith: 'line ' } } })).toBe(200);
  });
});
