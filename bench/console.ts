/**
 * The console under a full dashboard, in headless Chromium (Debian's /usr/bin/chromium through playwright-core),
 * against the real app (SQLite file, engine, writer, yoga, graphql-ws) serving the built console:
 *
 * 1. Render: 1,000 HTTP sites, each checked once (900 UP, 100 DOWN), are shown by a signed-in tab; the time is from
 *    the navigation's start to the 1,000th row in the page (ten pages of `sites(first: 100)` and their rendering).
 * 2. Burst: 100 UP sites go DOWN at once, through 100 concurrent `checkSiteNow` mutations from another client; the
 *    time is from the burst's start to the 100th of those rows showing DOWN, pushed over the page's graphql-ws
 *    subscription. Meanwhile the page's longest task (PerformanceObserver `longtask`) and longest gap between two
 *    animation frames say whether it stayed responsive.
 *
 * Checks run through a stand-in checker (UP unless the site's URL is in the failing set), so the bench measures the
 * console and the API rather than the network. Run `npm run build:console` first (npm install does). It also prints
 * the API's time for one page of 100 sites with and without the row's costlier fields; `BENCH_TRACE=1` adds the page's
 * requests and Chromium's script, layout and style times.
 * Last lines: `console render ms: <number>` (goal < 1000), `console burst ms: <number>`, `console longest task ms: <number>`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Checker } from '../src/engine/checks/types.ts';
import { globalId } from '../src/graphql/ids.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/helpers/chromium.ts';
import { gql } from './http.ts';

const SITES = 1_000;
const INITIALLY_DOWN = 100;
const BURST = 100;
/** Long enough that no scheduled check runs during the bench: every check is one the bench asked for. */
const INTERVAL_S = 3_600;
const PASSWORD = 'bench-password';

const failing = new Set<string>();
const standIn: Checker = async (target) => {
  const down = target.url !== null && target.url !== undefined && failing.has(target.url);
  return down
    ? { status: 'DOWN', statusCode: 503, latencyMs: 20, hasSsl: false, certExpiresAt: null, message: 'HTTP 503 (expected 200-299)' }
    : { status: 'UP', statusCode: 200, latencyMs: 10 + Math.random() * 90, hasSsl: false, certExpiresAt: null, message: '' };
};

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-bench-console-'));
  const config = loadConfig({
    DATABASE_URL: `file:${path.join(dir, 'uptop.db')}`,
    UPTOP_HTTP_HOST: '127.0.0.1',
    UPTOP_HTTP_PORT: '0',
    UPTOP_ADMIN_USER: 'admin',
    UPTOP_ADMIN_PASSWORD: PASSWORD,
    UPTOP_LOGIN_RATE_LIMIT: '1000',
    LOG_LEVEL: 'warn',
  });
  const app = await createApp(config, { runCheck: standIn });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const urlOf = (i: number) => `https://site-${i}.example.com/`;
    for (let i = 0; i < INITIALLY_DOWN; i++) failing.add(urlOf(i));
    await app.deps.writeDb.site.createMany({
      data: Array.from({ length: SITES }, (_, i) => ({
        name: `site ${String(i).padStart(4, '0')}`,
        type: 'HTTP' as const,
        url: urlOf(i),
        interval: INTERVAL_S,
      })),
    });
    const { port } = await app.start();
    const base = `http://127.0.0.1:${port}`;
    const graphqlUrl = `${base}/graphql`;
    const ids = (await app.deps.db.site.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((s) => s.id);
    for (const id of ids) await app.deps.engine.checkNow(id);
    await app.deps.engine.whenIdle();

    const login = await gql<{ login: { token: string } }>(
      graphqlUrl,
      'mutation($input: LoginInput!) { login(input: $input) { ... on LoginPayload { token } } }',
      { input: { username: 'admin', password: PASSWORD } },
    );
    const token = login.login.token;

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((t) => sessionStorage.setItem('uptop.token', t), token);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));

    const row = 'id name displayStatus latencyMs';
    const recent = 'recentChecks { checkedAt latencyMs status }';
    const uptime = 'u: uptime(from: $since) { uptimePercent } v: uptime { uptimePercent }';
    const variants: [string, string][] = [
      ['with uptime', `${row} ${recent} ${uptime}`],
      ['as the console asks it', `${row} ${recent}`],
      ['without recent checks', row],
    ];
    for (const [label, fields] of variants) {
      const q0 = performance.now();
      const since = fields.includes('$since');
      await gql(
        graphqlUrl,
        `query${since ? '($since: DateTime!)' : ''} { sites(first: 100) { edges { node { ${fields} } } } }`,
        since ? { since: new Date(Date.now() - 86_400_000).toISOString() } : {},
        token,
      );
      console.log(`one page of 100 sites from the API, ${label}: ${(performance.now() - q0).toFixed(0)} ms`);
    }

    // 1. Render.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${base}/`);
    await page.waitForFunction((n) => document.querySelectorAll('li.site').length >= n, SITES, { polling: 'raf', timeout: 60_000 });
    const renderMs = await page.evaluate(() => performance.now());
    console.log(`render: ${SITES} rows in the page ${renderMs.toFixed(0)} ms after navigation start`);
    if (process.env.BENCH_TRACE) {
      const { metrics } = await cdp.send('Performance.getMetrics');
      console.log(
        metrics
          .filter((m) => /Duration/.test(m.name))
          .map((m) => `${m.name} ${(m.value * 1000).toFixed(0)} ms`)
          .join(', '),
      );
      // A string: the bench is type-checked without the DOM's types.
      const trace = await page.evaluate<string[]>(`[
        ...performance.getEntriesByType('resource').map((e) => e.initiatorType + ' ' + e.name.slice(-30) + ' ' + e.startTime.toFixed(0) + '-' + e.responseEnd.toFixed(0)),
        ...performance.getEntriesByType('navigation').map((e) => 'DOMContentLoaded ' + e.domContentLoadedEventEnd.toFixed(0)),
      ]`);
      console.log(trace.join('\n'));
    }

    // 2. Burst.
    // A string, not a function: tsx would wrap the inner named function in a helper the page does not have.
    await page.evaluate(`(() => {
      window.longest = 0;
      window.frameGap = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.longest = Math.max(window.longest, entry.duration);
      }).observe({ type: 'longtask' });
      let last = performance.now();
      const frame = (now) => {
        window.frameGap = Math.max(window.frameGap, now - last);
        last = now;
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    })()`);
    const burst = ids.slice(INITIALLY_DOWN, INITIALLY_DOWN + BURST);
    for (let i = INITIALLY_DOWN; i < INITIALLY_DOWN + BURST; i++) failing.add(urlOf(i));
    const t0 = performance.now();
    await Promise.all(
      burst.map((id) =>
        gql(graphqlUrl, 'mutation($input: IdInput!) { checkSiteNow(input: $input) { __typename } }', { input: { id: globalId('Site', id) } }, token),
      ),
    );
    const mutatedMs = performance.now() - t0;
    await page.waitForFunction((n) => document.querySelectorAll('li.site[data-status="DOWN"]').length >= n, INITIALLY_DOWN + BURST, {
      polling: 'raf',
      timeout: 60_000,
    });
    const burstMs = performance.now() - t0;
    const { longest, frameGap } = await page.evaluate(() => {
      const w = window as unknown as { longest: number; frameGap: number };
      return { longest: w.longest, frameGap: w.frameGap };
    });
    const out = path.resolve(import.meta.dirname, '../test-output');
    fs.mkdirSync(out, { recursive: true });
    await page.screenshot({ path: path.join(out, 'console-bench.png') });
    if (problems.length) throw new Error(`page errors: ${problems.join('; ')}`);

    console.log(`burst: ${BURST} mutations answered in ${mutatedMs.toFixed(0)} ms; all ${BURST} rows DOWN after ${burstMs.toFixed(0)} ms`);
    console.log(`page during the burst: longest task ${longest.toFixed(0)} ms, longest frame gap ${frameGap.toFixed(0)} ms`);
    console.log(`console render ms: ${renderMs.toFixed(0)}`);
    console.log(`console burst ms: ${burstMs.toFixed(0)}`);
    console.log(`console longest task ms: ${longest.toFixed(0)}`);
  } finally {
    await browser.close();
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
