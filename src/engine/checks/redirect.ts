import net from 'node:net';
import { CREDENTIAL_NAMES, looksSecret } from '../../secret-names.ts';
import { stripBrackets } from './target.ts';

/** Go's client follows ten; a site's `maxRedirects` may follow fewer. */
export const MAX_REDIRECTS = 10;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface HttpHop {
  url: URL;
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer | null;
}

/**
 * Headers that carry credentials or describe the body, dropped as the redirect rules below say. Besides the standard
 * credential headers, any whose name looks like a credential (`X-Api-Key`, Gotify's `X-Gotify-Key`): a monitor's own
 * headers and an alert provider's often are one, and a redirect to another host must not take them along. A body's
 * signature (`X-Uptop-Signature`) goes on: it opens nothing, and the next host needs it to check the body.
 */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'transfer-encoding'];

/**
 * The request a redirect leads to, or null when `status` is not a redirect with a usable Location.
 * As browsers and Go's client do: 303, and 301/302 after anything but GET/HEAD, become a GET without body;
 * 307/308 repeat the method and body. Credentials go on as `keepsCredentials` says; a configured Host only to the
 * same origin.
 */
export function followRedirect(hop: HttpHop, status: number, location: string | undefined): HttpHop | null {
  if (!REDIRECT_STATUSES.has(status) || !location) return null;
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    return null;
  }
  const headers = { ...hop.headers };
  let { method, body } = hop;
  const becomesGet = (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method !== 'GET' && method !== 'HEAD');
  if (becomesGet) {
    method = 'GET';
    body = null;
    for (const name of BODY_HEADERS) delete headers[name];
  }
  // A configured Host names a virtual host of the first origin: another origin would be asked for the wrong site.
  if (url.origin !== hop.url.origin) delete headers.host;
  if (!keepsCredentials(hop.url, url)) {
    for (const name of Object.keys(headers)) if (CREDENTIAL_HEADERS.has(name) || looksSecret(name, CREDENTIAL_NAMES)) delete headers[name];
  }
  return { url, method, headers, body };
}

/**
 * Go's client sends credentials on to the same host name or a subdomain of it, whatever the port and scheme: an
 * http→https redirect, which every site with TLS has, keeps a monitor's login. Unlike Go (and like follow-redirects,
 * Uptime Kuma's client, and curl), not from https to http, where they would cross the network in clear text.
 * Compared hop by hop, so once left behind they stay behind.
 */
function keepsCredentials(from: URL, to: URL): boolean {
  if (from.protocol === 'https:' && to.protocol !== 'https:') return false;
  if (to.hostname === from.hostname) return true;
  // An address has no subdomains: 10.0.0.1 is not under 0.0.1.
  return net.isIP(stripBrackets(to.hostname)) === 0 && to.hostname.endsWith(`.${from.hostname}`);
}
