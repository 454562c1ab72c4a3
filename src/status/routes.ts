import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { RateLimiter } from '../auth/rate-limit.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { EngineApi } from '../engine/types.ts';
import { perIpLimit, type PlainAnswer, type PlainRoute } from '../http/plain.ts';
import { StatusBoard } from './board.ts';
import { renderLive, renderPage, type PageData } from './page.ts';
import { statusJson } from './status-json.ts';

/** The Go original's limit for /status and /status/json, per client IP; the page's own polling uses 12 of it. */
const REQUESTS_PER_MINUTE = 120;

const HTML = 'text/html; charset=utf-8';

interface Asset {
  path: string;
  /** The URL the page links, relative to it, with a content hash so a new version is fetched at once. */
  href: string;
  type: string;
  body: Buffer;
}

function asset(name: string, type: string): Asset {
  const body = readFileSync(new URL(`./assets/${name}`, import.meta.url));
  const version = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/status/assets/${name}`, href: `status/assets/${name}?v=${version}`, type, body };
}

/** The headers that let a browser on a listed origin read the JSON: its own origin echoed, and `Vary: Origin`. */
function corsHeaders(req: IncomingMessage, origins: readonly string[]): Record<string, string> {
  if (origins.length === 0) return {};
  const origin = req.headers.origin;
  const listed = origin !== undefined && origins.includes(origin.toLowerCase());
  return listed ? { 'access-control-allow-origin': origin, vary: 'Origin' } : { vary: 'Origin' };
}

/**
 * The public status page (`/status`), its live part (`/status/live`, which the page's script polls), its JSON in the
 * Go original's shape (`/status/json`) and its two assets. None of them exists unless `UPTOP_STATUS_ENABLED=true`.
 */
export function statusRoutes(deps: { config: Config; db: Db; engine: EngineApi; clock: Clock }): PlainRoute[] {
  const { config, clock } = deps;
  if (!config.status.enabled) return [];
  const board = new StatusBoard(deps);
  const admit = perIpLimit(new RateLimiter({ perMinute: REQUESTS_PER_MINUTE, clock }), config.trustedProxies);
  const css = asset('status.css', 'text/css; charset=utf-8');
  const js = asset('status.js', 'text/javascript; charset=utf-8');

  const pageData = async (): Promise<PageData> => {
    const [current, uptime] = await Promise.all([board.board(), board.uptime()]);
    const recent = (siteId: number) => board.recentResults(siteId);
    return { title: config.status.title, board: current, uptime, recent, assets: { css: css.href, js: js.href } };
  };

  const serveAsset = (a: Asset) => (): PlainAnswer => ({
    status: 200,
    body: a.body,
    // Linked with its content hash, so it may be kept for good.
    headers: { 'content-type': a.type, 'cache-control': 'public, max-age=31536000, immutable' },
  });

  const methods = ['GET', 'HEAD'];
  return [
    {
      path: '/status',
      methods,
      admit,
      answer: async () => ({ status: 200, body: await renderPage(await pageData()), headers: { 'content-type': HTML } }),
    },
    {
      path: '/status/live',
      methods,
      admit,
      answer: async () => ({ status: 200, body: (await renderLive(await pageData())).value, headers: { 'content-type': HTML } }),
    },
    {
      path: '/status/json',
      methods,
      admit,
      answer: async ({ req }) => ({
        status: 200,
        body: await statusJson(await board.sites()),
        headers: { 'content-type': 'application/json', ...corsHeaders(req, config.http.corsOrigins) },
      }),
    },
    { path: css.path, methods, answer: serveAsset(css) },
    { path: js.path, methods, answer: serveAsset(js) },
  ];
}
