import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { pinnedLookup } from '../engine/checks/ssrf.ts';
import { errorText } from '../engine/checks/result.ts';
import { resolveAlertTarget } from './guard.ts';
import { stripLineBreaks } from './headers.ts';
import type { SendContext } from './types.ts';

export interface OutgoingRequest {
  method?: 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  /** Serialized as JSON and sent with `Content-Type: application/json`. */
  json?: unknown;
  /** Sent byte for byte (webhook signatures cover these exact bytes); give its Content-Type in `headers`. */
  body?: string | Uint8Array<ArrayBuffer>;
  /** Who to name when the answer is an HTTP error: `<service> returned HTTP <code>`. */
  service?: string;
  /**
   * The URL's host comes from the operator's configuration (`ctx.endpoints`), not from a channel's settings, so
   * it skips the SSRF guard: a self-hosted gateway on a private network then works without opening private
   * targets to every EDITOR. A channel's settings can only add a path below it.
   */
  operatorEndpoint?: boolean;
}

/**
 * Sends one alert request and discards the answer. Each request gets `ctx.httpTimeoutMs` on top of the overall
 * `ctx.signal`. A channel's own URL is resolved once through the SSRF guard and connected to at exactly the
 * checked addresses, on a connection of its own (a pooled one would skip that lookup). Redirects are not
 * followed: they would lead past the guard. Error messages never carry the URL: webhook URLs and paths hold tokens.
 */
export async function sendHttp(req: OutgoingRequest, ctx: SendContext): Promise<void> {
  const method = req.method ?? 'POST';
  const fail = (cause: string) => new Error(`${method} request failed: ${cause}`);
  const target = parseTarget(req.url);
  if (typeof target === 'string') throw fail(target);

  const headers: Record<string, string> = { 'User-Agent': 'uptop' };
  if (target.basicAuth) headers.Authorization = `Basic ${target.basicAuth}`;
  if (req.json !== undefined) headers['Content-Type'] = 'application/json';
  for (const [name, value] of Object.entries(req.headers ?? {})) headers[name] = stripLineBreaks(value);
  const body = Buffer.from(req.json !== undefined ? JSON.stringify(req.json) : (req.body ?? ''));
  headers['Content-Length'] = String(body.length);

  const timeout = AbortSignal.timeout(ctx.httpTimeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  let status: number;
  try {
    signal.throwIfAborted();
    const lookup = req.operatorEndpoint
      ? undefined
      : pinnedLookup(await resolveAlertTarget(target.url.hostname, ctx.allowPrivateTargets, signal));
    status = await exchange(target.url, { method, headers, lookup, signal }, body);
  } catch (err) {
    if (ctx.signal.aborted) throw fail('aborted before the alert deadline');
    if (timeout.aborted) throw fail(`timed out after ${ctx.httpTimeoutMs} ms`);
    throw fail(scrubUrl(errorText(err), req.url, target.url));
  }
  if (status >= 400) throw new Error(`${req.service ?? 'alert webhook'} returned HTTP ${status}`);
}

interface ExchangeOptions {
  method: string;
  headers: Record<string, string>;
  lookup: net.LookupFunction | undefined;
  signal: AbortSignal;
}

/** Resolves with the answer's status once its headers arrived. */
function exchange(url: URL, options: ExchangeOptions, body: Buffer): Promise<number> {
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, agent: false });
    req.once('response', (res) => {
      // The answer is not used; destroying frees the connection without waiting for a slow body.
      res.destroy();
      resolve(res.statusCode ?? 0);
    });
    // Kept for the request's whole life: a second error after the first must not go unhandled.
    req.on('error', reject);
    req.end(body);
  });
}

interface Target {
  url: URL;
  basicAuth?: string;
}

/** Parses the URL, moving `user:pass@` into Basic auth as Go's client does. */
function parseTarget(raw: string): Target | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'invalid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `unsupported URL scheme ${url.protocol}`;
  if (!url.username && !url.password) return { url };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return { url, basicAuth: Buffer.from(credentials).toString('base64') };
}

function scrubUrl(text: string, raw: string, url: URL): string {
  const parts = [raw, url.href, url.pathname + url.search, url.pathname, url.search].filter((p) => p.length > 1);
  return parts.reduce((out, part) => out.split(part).join('***'), text);
}
