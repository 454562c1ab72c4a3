import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { onTestFinished } from 'vitest';
import { consoleRoutes } from '../../src/console/routes.ts';
import { createPlainRouter } from '../../src/http/routes.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';

/** The console's routes alone on a real server, over a build folder the test writes. */
async function serve(dir: string): Promise<string> {
  const router = createPlainRouter(consoleRoutes(dir), pino({ level: 'silent' }));
  const server = http.createServer(async (req, res) => {
    if (!(await router(req, res))) res.writeHead(418).end('not the console');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A GET with the path exactly as given: `fetch` would resolve `..` in it before sending. */
function rawStatus(url: string, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}/`, { path: target }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

function buildDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-console-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

describe('console routes', () => {
  it('serve the page at / uncached and only the built assets, by name, cached for good', async () => {
    const url = await serve(buildDir({ 'index.html': '<p>console</p>', 'assets/app-1a2b.js': 'run()', 'assets/app-1a2b.css': 'p{}' }));
    const page = await fetch(`${url}/`);
    expect([page.status, page.headers.get('content-type'), page.headers.get('cache-control'), await page.text()]).toEqual([
      200,
      'text/html; charset=utf-8',
      'no-store',
      '<p>console</p>',
    ]);
    const css = await fetch(`${url}/console/assets/app-1a2b.css`);
    expect([css.status, css.headers.get('content-type'), css.headers.get('cache-control')]).toEqual([
      200,
      'text/css; charset=utf-8',
      'public, max-age=31536000, immutable',
    ]);
    for (const missing of ['/console/assets/other.js', '/console/assets/../index.html', '/console/assets/../../package.json', '/console/assets/']) {
      expect(await rawStatus(url, missing), missing).toBe(404);
    }
    expect((await fetch(`${url}/`, { method: 'POST' })).status).toBe(405);
    // Other paths are not the console's: the server hands them on (to yoga, in uptop).
    expect((await fetch(`${url}/graphql`)).status).toBe(418);
  });

  it('answer 503 with what to run when the console was not built', async () => {
    const url = await serve(buildDir({}));
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(503);
    expect(await page.text()).toMatch(/npm run build:console/);
  });
});
