import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { textAnswer, type PlainAnswer, type PlainRoute } from '../http/plain.ts';

/** Where `npm install` (postinstall) and `npm run build:console` put the built console. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

/** The URL prefix of the built assets: Vite's `base` (console/vite.config.ts) plus its `assets/` folder. */
const ASSETS_PATH = '/console/assets/';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

const NOT_BUILT = 'The console is not built. `npm install` builds it (with its dev dependencies); or run `npm run build:console`, then restart uptop.';

/**
 * The web console (console/, issue 13): its page at `/` and its hashed assets under `/console/assets/`, read once from
 * the build at start, so a request is a map lookup and no request path ever reaches the file system. The page itself
 * is never cached (it names the current assets); the assets, named by content hash, are kept for good.
 */
export function consoleRoutes(dir: string = CONSOLE_DIST): PlainRoute[] {
  const methods = ['GET', 'HEAD'];
  const indexFile = path.join(dir, 'index.html');
  if (!existsSync(indexFile)) {
    return [{ path: '/', methods, answer: () => textAnswer(503, NOT_BUILT) }];
  }
  const index: PlainAnswer = { status: 200, body: readFileSync(indexFile), headers: { 'content-type': 'text/html; charset=utf-8' } };
  const assets = new Map<string, PlainAnswer>();
  const assetDir = path.join(dir, 'assets');
  for (const name of existsSync(assetDir) ? readdirSync(assetDir) : []) {
    const type = TYPES[path.extname(name)] ?? 'application/octet-stream';
    assets.set(name, {
      status: 200,
      body: readFileSync(path.join(assetDir, name)),
      headers: { 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable' },
    });
  }
  return [
    { path: '/', methods, answer: () => index },
    { path: ASSETS_PATH, prefix: true, methods, answer: ({ rest }) => assets.get(rest) ?? textAnswer(404, 'Not Found') },
  ];
}
