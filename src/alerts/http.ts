import http from 'node:http';
import https from 'node:https';
import { followRedirect, MAX_REDIRECTS, type HttpHop } from '../engine/checks/redirect.ts';
import { pinnedLookup } from '../engine/checks/ssrf.ts';
import { errorText } from '../engine/checks/result.ts';
import { systemTrust, type TrustedRequestOptions } from '../engine/checks/trust.ts';
import { resolveAlertTarget } from './guard.ts';
import { AlertHttpError } from './rate-limit.ts';
import { stripLineBreaks } from './headers.ts';
import type { TransportContext } from './types.ts';

export interface OutgoingRequest {
  method?: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  /** Serialized as JSON and sent with `Content-Type: application/json`. */
  json?: unknown;
  /** Sent byte for byte (webhook signatures cover these exact bytes); give its Content-Type in `headers`. */
  body?: string | Uint8Array<ArrayBuffer>;
  /** Who to name when the answer is an HTTP error: `<service> returned HTTP <code>: <what it says>`. */
  service: string;
  /**
   * The URL's host comes from the operator's configuration (`ctx.endpoints`), not from a channel's settings, so
   * it skips the SSRF guard: a self-hosted gateway on a private network then works without opening private
   * targets to every EDITOR. A channel's settings can only add a path below it. Where it redirects to is guarded.
   */
  operatorEndpoint?: boolean;
  /** Keeps the answer's body (up to ANSWER_LIMIT bytes): the service answers what became of the request. */
  readAnswer?: boolean;
  /** An error answer the caller reads itself instead of failing on (Opsgenie's "not processed yet"). */
  expected?: (answer: HttpAnswer) => boolean;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Empty unless the request asked for it (`readAnswer`). */
  body: string;
}

/** The most of an answer's body kept: a service's account of a request is a few hundred bytes. */
const ANSWER_LIMIT = 64 * 1024;
/** The most of an error answer read for its reason, unasked: enough for a service's JSON, not for a whole page. */
const ERROR_ANSWER_LIMIT = 4 * 1024;

/**
 * Sends one alert request; the answer's body is discarded unless asked for. Each request gets `ctx.httpTimeoutMs`
 * (redirects included) on top of the overall `ctx.signal`. A channel's own URL, and every redirect, is resolved once
 * through the SSRF guard and connected to at exactly the checked addresses, on a connection of its own (a pooled one
 * would skip that lookup). Error messages never carry the URL: webhook URLs and paths hold tokens.
 */
export async function sendHttp(req: OutgoingRequest, ctx: TransportContext): Promise<HttpAnswer> {
  const method = req.method ?? 'POST';
  const fail = (cause: string) => new Error(`${method} request failed: ${cause}`);
  const target = parseTarget(req.url);
  if (typeof target === 'string') throw fail(target);

  const headers: Record<string, string> = { 'user-agent': 'uptop' };
  if (target.basicAuth) headers.authorization = `Basic ${target.basicAuth}`;
  if (req.json !== undefined) headers['content-type'] = 'application/json';
  for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = stripLineBreaks(value);
  const body = Buffer.from(req.json !== undefined ? JSON.stringify(req.json) : (req.body ?? ''));
  headers['content-length'] = String(body.length);

  const timeout = AbortSignal.timeout(ctx.httpTimeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  let answer: HttpAnswer;
  try {
    signal.throwIfAborted();
    let hop: HttpHop = { url: target.url, method, headers, body };
    for (let redirects = 0; ; redirects++) {
      const trusted = req.operatorEndpoint === true && redirects === 0;
      answer = await exchange(hop, trusted, ctx.allowPrivateTargets, req.readAnswer === true, signal);
      const next = followRedirect(hop, answer.status, answer.headers.location);
      if (!next) break;
      if (redirects === MAX_REDIRECTS) throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
      hop = next;
    }
  } catch (err) {
    if (ctx.signal.aborted) throw fail('aborted before the alert deadline');
    if (timeout.aborted) throw fail(`timed out after ${ctx.httpTimeoutMs} ms`);
    throw fail(scrubUrl(errorText(err), req.url, target.url));
  }
  const { status } = answer;
  if (status >= 400 && !req.expected?.(answer)) {
    const reason = serviceReason(answer.body, req.url, target.url);
    throw new AlertHttpError(`${req.service} returned HTTP ${status}${reason && `: ${reason}`}`, status, answer.headers['retry-after']);
  }
  return answer;
}

/**
 * What an error answer says, on one line; a URL it echoes is cut out, as from transport errors. It is cut short once
 * the channel's secrets are cut out too (providers/index.ts): cut first, a secret's first half would be left.
 */
function serviceReason(body: string, raw: string, url: URL): string {
  return scrubUrl(body, raw, url)
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .trim();
}

/**
 * Sends one hop and resolves once the answer's headers arrived, or with `readBody` its body too. An error answer's
 * body is read for its reason all the same, but only its start, and whatever of it arrives: the status is the answer,
 * so a body that breaks off or outlasts the deadline must not lose it. Unless `trusted`, the host goes through the
 * guard first and the connection may only use the addresses it checked.
 */
async function exchange(hop: HttpHop, trusted: boolean, allowPrivate: boolean, readBody: boolean, signal: AbortSignal): Promise<HttpAnswer> {
  const { protocol, hostname } = hop.url;
  if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`unsupported URL scheme ${protocol}`);
  const lookup = trusted ? undefined : pinnedLookup(await resolveAlertTarget(hostname, allowPrivate, signal));
  const isHttps = protocol === 'https:';
  const options: TrustedRequestOptions = {
    method: hop.method,
    headers: hop.headers,
    lookup,
    signal,
    agent: false,
    // a self-hosted ntfy, Gotify or Matrix behind the company's CA, as the checks trust it
    secureContext: isHttps ? await systemTrust.secureContext() : undefined,
  };
  const request = isHttps ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(hop.url, options);
    req.once('response', (res) => {
      const answer = { status: res.statusCode ?? 0, headers: res.headers };
      if (!readBody && answer.status < 400) {
        // The body is not used; destroying frees the connection without waiting for a slow one.
        res.destroy();
        resolve({ ...answer, body: '' });
        return;
      }
      bodyOf(res, readBody).then((body) => resolve({ ...answer, body }), reject);
    });
    // Kept for the request's whole life: a second error after the first must not go unhandled.
    req.on('error', reject);
    req.end(hop.body ?? undefined);
  });
}

/**
 * The body asked for, whole: longer than ANSWER_LIMIT or broken off, it is refused. Else an error answer's reason: its
 * first ERROR_ANSWER_LIMIT bytes, or whatever of them arrives before it ends, breaks off or the deadline cuts it.
 */
function bodyOf(res: http.IncomingMessage, whole: boolean): Promise<string> {
  const limit = whole ? ANSWER_LIMIT : ERROR_ANSWER_LIMIT;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const text = () => Buffer.concat(chunks).subarray(0, limit).toString('utf8');
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit && whole) return void res.destroy(new Error(`the answer is longer than ${limit} bytes`));
      chunks.push(chunk);
      if (size >= limit && !whole) res.destroy();
    });
    res.once('end', () => resolve(text()));
    // A body that breaks off (or is cut off at the limit, or by the deadline) emits an error and then 'close'.
    res.on('error', (err) => (whole ? reject(err) : undefined));
    res.once('close', () => (whole ? reject(new Error('the answer broke off')) : resolve(text())));
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
