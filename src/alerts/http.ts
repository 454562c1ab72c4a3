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
}

/**
 * Sends one alert request and discards the answer. Each request gets `ctx.httpTimeoutMs` on top of
 * the overall `ctx.signal`. Error messages never carry the URL: webhook URLs and paths hold tokens.
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
  const body = req.json !== undefined ? JSON.stringify(req.json) : req.body;

  const timeout = AbortSignal.timeout(ctx.httpTimeoutMs);
  let res: Response;
  try {
    res = await fetch(target.url, { method, headers, body, signal: AbortSignal.any([ctx.signal, timeout]) });
  } catch (err) {
    if (ctx.signal.aborted) throw fail('aborted before the alert deadline');
    if (timeout.aborted) throw fail(`timed out after ${ctx.httpTimeoutMs} ms`);
    throw fail(scrubUrl(causeOf(err), req.url, target.url));
  }
  // The answer is not used; cancelling frees the connection without waiting for a slow body.
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 400) throw new Error(`${req.service ?? 'alert webhook'} returned HTTP ${res.status}`);
}

interface Target {
  url: URL;
  basicAuth?: string;
}

/** Parses the URL, moving `user:pass@` into Basic auth as Go's client does (fetch refuses credentials in URLs). */
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

/** fetch wraps the useful error (ECONNREFUSED, a TLS failure, ...) in a generic "fetch failed". */
function causeOf(err: unknown): string {
  const inner = err instanceof Error && err.cause !== undefined ? err.cause : err;
  if (inner instanceof Error) {
    const code = (inner as NodeJS.ErrnoException).code;
    return inner.message || code || inner.name;
  }
  return String(inner);
}

function scrubUrl(text: string, raw: string, url: URL): string {
  const parts = [raw, url.href, url.pathname + url.search, url.pathname, url.search].filter((p) => p.length > 1);
  return parts.reduce((out, part) => out.split(part).join('***'), text);
}
