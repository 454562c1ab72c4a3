import http from 'node:http';
import https from 'node:https';
import { TLSSocket } from 'node:tls';
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { systemClock } from '../../clock.ts';
import { DEFAULT_ACCEPTED_CODES, isCodeAccepted } from './accepted-codes.ts';
import { Deadline } from './deadline.ts';
import { parseHttpHeaders } from './http-headers.ts';
import { followRedirect, type HttpHop } from './redirect.ts';
import { downResult, errorText, upResult } from './result.ts';
import { httpBlockedMessage, pinnedLookup, resolveGuarded } from './ssrf.ts';
import { stripBrackets, timeoutSeconds } from './target.ts';
import { systemTrust, type TrustedRequestOptions } from './trust.ts';
import type { CheckOptions, CheckResult, CheckTarget } from './types.ts';

/**
 * The most of a body read: searched for the keyword, or read and let go when there is none, so a small page ends its
 * connection cleanly while a download link is not downloaded at every check.
 */
const BODY_LIMIT = 1024 * 1024;

/**
 * The most response headers read, Go's http.Transport's default: Node's own 16 KiB made a site that sets many cookies
 * or a large Content-Security-Policy DOWN with "Header overflow".
 */
const MAX_RESPONSE_HEADER_BYTES = 10 * 1024 * 1024;

const USER_AGENT = 'uptop (uptime monitor)';

/**
 * Agents that never pool: every request gets a new socket, closed after its response ("Connection: close"), and no TLS
 * session is cached to resume (a resumed session shows no peer certificate). Shared, because `agent: false` builds a
 * whole Agent per request, which at 1,600 checks/s was a large part of what the garbage collector had to move.
 */
const HTTP_AGENT = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const HTTPS_AGENT = new https.Agent({ keepAlive: false, maxSockets: Infinity, maxCachedSessions: 0 });

/** A failure that ends the check with this exact reason. */
class CheckFailure extends Error {}

/** The error a request failed with after its response came: a body that broke off says only "aborted", this says why. */
const bodyErrors = new WeakMap<http.IncomingMessage, Error>();

/**
 * HTTP(S) check on node:http directly: it exposes the peer certificate, and lets the SSRF guard own DNS resolution.
 * Every check opens its own connection, as the Go original does: latency is lookup + connect + TLS + first response,
 * and a rotated certificate or a DNS fail-over shows at the next check instead of hiding behind a pooled socket.
 */
export async function checkHttp(target: CheckTarget, options: CheckOptions): Promise<CheckResult> {
  const first = firstHop(target);
  if (typeof first === 'string') return downResult(first);

  const verifyTls = !(target.ignoreTls || options.insecureSkipVerify);
  const deadline = new Deadline(timeoutSeconds(target), options.signal);
  const requests: http.ClientRequest[] = [];
  // One listener per check instead of a `signal` per request, which hangs stream listeners on every request.
  const abortAll = () => {
    for (const req of requests) req.destroy();
  };
  deadline.signal.addEventListener('abort', abortAll, { once: true });
  const started = performance.now();
  let latencyMs: number | null = null;
  try {
    let hop = first;
    let res: http.IncomingMessage;
    for (let redirects = 0; ; redirects++) {
      res = await send(hop, verifyTls, options, deadline, requests);
      // A site that follows no redirect has its redirect judged, as Kuma does with maxredirects 0.
      const next = target.maxRedirects > 0 ? followRedirect(hop, res.statusCode ?? 0, res.headers.location) : null;
      if (!next) break;
      await drain(res);
      if (redirects === target.maxRedirects) throw new CheckFailure(`stopped after ${target.maxRedirects} redirects`);
      hop = next;
    }
    latencyMs = performance.now() - started;
    return await judge(target, options, res, latencyMs, deadline);
  } catch (err) {
    const message = err instanceof CheckFailure ? err.message : deadline.aborted ? deadline.reason() : transportError(err);
    return downResult(message, { latencyMs: latencyMs ?? performance.now() - started });
  } finally {
    deadline.signal.removeEventListener('abort', abortAll);
    deadline.dispose();
    // Whatever path the check took, none of its connections outlives it.
    abortAll();
  }
}

/** The first request, or the reason the site's settings cannot make one. */
function firstHop(target: CheckTarget): HttpHop | string {
  let url: URL;
  try {
    url = new URL(target.url ?? '');
  } catch {
    return `invalid URL: ${target.url ?? '(none)'}`;
  }
  const method = (target.method || 'GET').toUpperCase();
  // Searched in a HEAD answer, a keyword is never there: always DOWN, or inverted, UP whatever the page says.
  if (method === 'HEAD' && target.keyword) return 'a keyword needs a response body, which HEAD never has: use GET';
  const parsed = parseHttpHeaders(target.httpHeaders);
  if (!parsed.ok) return parsed.message;
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: '*/*', ...parsed.headers };
  if (target.authType === 'BASIC') {
    const credentials = Buffer.from(`${target.authUsername ?? ''}:${target.authSecret ?? ''}`).toString('base64');
    headers.authorization = `Basic ${credentials}`;
  } else if (target.authType === 'BEARER') {
    headers.authorization = `Bearer ${target.authSecret ?? ''}`;
  }
  const body = target.httpBody ? Buffer.from(target.httpBody) : null;
  if (body && !headers['content-type']) headers['content-type'] = looksLikeJson(target.httpBody!) ? 'application/json' : 'text/plain; charset=utf-8';
  return { url, method, headers, body };
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves the hop's host through the guard within the check's deadline, then sends one request on a new connection
 * to exactly the addresses that were checked, and resolves with the response (headers arrived).
 */
async function send(
  hop: HttpHop,
  verifyTls: boolean,
  options: CheckOptions,
  deadline: Deadline,
  requests: http.ClientRequest[],
): Promise<http.IncomingMessage> {
  const protocol = hop.url.protocol;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new CheckFailure(`unsupported protocol scheme "${protocol.replace(/:$/, '')}"`);
  }
  const host = stripBrackets(hop.url.hostname);
  const resolution = await resolveGuarded(host, options.allowPrivateTargets, deadline.lookupOptions(options));
  if (!resolution.ok) {
    throw new CheckFailure(resolution.reason === 'private' ? httpBlockedMessage(host, resolution.address) : resolution.message);
  }
  const isHttps = protocol === 'https:';
  const secureContext = isHttps && verifyTls ? await systemTrust.secureContext() : undefined;
  // The deadline's listener destroys the requests made so far: one made after it fired would escape it.
  if (deadline.aborted) throw new Error(deadline.reason());
  const request = isHttps ? https.request : http.request;
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const headers = hop.body ? { ...hop.headers, 'content-length': String(hop.body.length) } : hop.headers;
    const options: TrustedRequestOptions = {
      method: hop.method,
      headers,
      agent: isHttps ? HTTPS_AGENT : HTTP_AGENT,
      lookup: pinnedLookup(resolution.addresses),
      rejectUnauthorized: verifyTls,
      secureContext,
      maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
    };
    const req = request(hop.url, options);
    requests.push(req);
    req.once('response', (res: http.IncomingMessage) => {
      req.on('error', (err) => bodyErrors.set(res, err));
      resolve(res);
    });
    req.once('error', reject);
    req.end(hop.body ?? undefined);
  });
}

async function judge(target: CheckTarget, options: CheckOptions, res: http.IncomingMessage, latencyMs: number, deadline: Deadline): Promise<CheckResult> {
  const statusCode = res.statusCode ?? 0;
  const fields: Parameters<typeof upResult>[0] = { statusCode, latencyMs };
  if (target.checkSsl && res.socket instanceof TLSSocket) {
    const notAfter = res.socket.getPeerCertificate().valid_to;
    if (notAfter) {
      fields.hasSsl = true;
      fields.certExpiresAt = new Date(notAfter);
    }
  }
  const keyword = target.keyword ?? '';
  const found = keyword ? await bodyShows(res, keyword, deadline) : (await drain(res), false);

  // Valid through notAfter itself (RFC 5280 §4.1.2.5); expired once the time is past it.
  if (fields.certExpiresAt && fields.certExpiresAt.getTime() < (options.clock ?? systemClock).nowMs()) {
    return { ...upResult(fields), status: 'SSL_EXPIRED', message: 'SSL certificate expired' };
  }
  if (!isCodeAccepted(statusCode, target.acceptedCodes)) {
    return downResult(`HTTP ${statusCode} (expected ${target.acceptedCodes.trim() || DEFAULT_ACCEPTED_CODES})`, fields);
  }
  if (typeof found === 'string') return downResult(found, fields);
  if (keyword && found === target.keywordInvert) {
    return downResult(`keyword ${JSON.stringify(keyword)} ${target.keywordInvert ? 'found' : 'not found'}`, fields);
  }
  return upResult(fields);
}

/**
 * Whether the first `BODY_LIMIT` bytes of the body, as text, show `keyword`, read as they arrive: the search ends where
 * the keyword is, so a page that shows it and then keeps streaming (or never ends) is judged without waiting for the
 * timeout. The rest is let go (the socket is closed if more was coming). A body that cannot be read to the keyword
 * gives the reason instead, for judge to report after the status code and the certificate.
 */
async function bodyShows(res: http.IncomingMessage, keyword: string, deadline: Deadline): Promise<boolean | string> {
  const coding = res.headers['content-encoding']?.trim().toLowerCase() ?? '';
  const decoder = textDecoder(res.headers['content-type']);
  // The end of what was read, as long as the keyword but one character: a keyword split between two chunks is found.
  let tail = '';
  let size = 0;
  try {
    for await (const chunk of decodedBody(res, coding) as AsyncIterable<Buffer>) {
      const part = chunk.subarray(0, BODY_LIMIT - size);
      size += part.length;
      const window = tail + decoder.decode(part, { stream: true });
      if (window.includes(keyword)) return true;
      tail = window.slice(Math.max(0, window.length - keyword.length + 1));
      if (size >= BODY_LIMIT) break;
    }
  } catch (err) {
    return bodyFailure(err, res, coding, deadline);
  }
  return false;
}

/** Why the body could not be read: the check's deadline, a body that does not decompress, or a broken connection. */
function bodyFailure(err: unknown, res: http.IncomingMessage, coding: string, deadline: Deadline): string {
  if (deadline.aborted) return deadline.reason();
  // zlib's own words ("incorrect header check") do not say that it was the body that could not be read.
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && DECODE_ERROR.test(code)) return `cannot decode the ${coding} body: ${errorText(err)}`;
  const text = errorText(bodyErrors.get(res) ?? err);
  // node's word for a connection that closed before the body's end
  return `response body cut off: ${text === 'aborted' ? 'the connection closed before its end' : text}`;
}

/** The codes of zlib's and brotli's errors. */
const DECODE_ERROR = /^(Z_|ERR__ERROR_)/;

/**
 * The body with its content coding undone. Servers may compress a response nobody asked to be compressed (pre-compressed
 * files, some CDNs); Go's client asks for gzip and undoes it itself. Searched as sent, a compressed page never showed its
 * keyword, and an inverted keyword never caught the outage.
 */
function decodedBody(res: http.IncomingMessage, coding: string): Readable {
  const decompress =
    coding === 'gzip' || coding === 'x-gzip' ? createGunzip() : coding === 'deflate' ? createInflate() : coding === 'br' ? createBrotliDecompress() : null;
  // Errors reach the reader through the last stream; the callback is only there because pipeline demands one.
  return decompress ? pipeline(res, decompress, () => undefined) : res;
}

/**
 * The charset the Content-Type names, as browsers read it (so ISO-8859-1 is windows-1252); UTF-8 when it names none or
 * one unknown. A keyword with an accent was never found in a Latin-1 page searched as UTF-8 bytes.
 */
function textDecoder(contentType: string | undefined): TextDecoder {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8');
  } catch {
    return new TextDecoder('utf-8');
  }
}

/**
 * Reads a body not searched for a keyword (a redirect's, or any without one) to its end or `BODY_LIMIT`, where it is
 * let go with its connection. A broken body does not change the verdict, as in the Go original.
 */
async function drain(res: http.IncomingMessage): Promise<void> {
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size >= BODY_LIMIT) break;
    }
  } catch {
    // the verdict was made on the headers
  }
}

const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|^ERR_TLS|^ERR_SSL/;

function transportError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const text = errorText(err);
  return typeof code === 'string' && TLS_ERROR.test(code) ? `TLS error: ${text}` : text;
}
