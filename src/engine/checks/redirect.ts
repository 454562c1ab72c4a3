import { CREDENTIAL_NAMES, looksSecret } from '../../secret-names.ts';

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
 * headers and an alert provider's often are one, and a redirect to another origin must not take them along. A body's
 * signature (`X-Uptop-Signature`) goes on: it opens nothing, and the next origin needs it to check the body.
 */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'transfer-encoding'];

/**
 * The request a redirect leads to, or null when `status` is not a redirect with a usable Location.
 * As browsers and Go's client do: 303, and 301/302 after anything but GET/HEAD, become a GET without body;
 * 307/308 repeat the method and body. Credentials and a configured Host are not sent on to another origin.
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
  if (url.origin !== hop.url.origin) {
    // A configured Host names a virtual host of the first origin: another origin would be asked for the wrong site.
    delete headers.host;
    for (const name of Object.keys(headers)) if (CREDENTIAL_HEADERS.has(name) || looksSecret(name, CREDENTIAL_NAMES)) delete headers[name];
  }
  return { url, method, headers, body };
}
