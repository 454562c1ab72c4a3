import fs from 'node:fs';
import { describe, expect, it } from '../helpers/fixtures.ts';

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
});
