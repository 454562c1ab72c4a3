import { looksSecret } from '../secret-names.ts';

/** What stands in for a masked secret. */
export const URL_SECRET_MASK = '***';

/** `a=1&token=x` → `a=1&token=***`; the rest is left byte for byte. */
function maskParams(params: string): string {
  return params
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq > 0 && eq < pair.length - 1 && looksSecret(pair.slice(0, eq)) ? `${pair.slice(0, eq + 1)}${URL_SECRET_MASK}` : pair;
    })
    .join('&');
}

/**
 * `scheme://user:password@host` → `scheme://user:***@host`, and `scheme://token@host` → `scheme://***@host`: a user
 * name with no password beside it is often the credential itself (`https://ghp_…@github.com`, API keys sent as the
 * Basic user). The last `@` of the authority ends the userinfo, as in WHATWG URL parsing.
 */
function maskUserinfo(beforeQuery: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/\\]*/i.exec(beforeQuery);
  if (!scheme) return beforeQuery;
  const authority = scheme[0];
  const at = authority.lastIndexOf('@');
  const start = authority.indexOf('//') + 2;
  if (at <= start) return beforeQuery;
  const colon = authority.indexOf(':', start);
  const kept = colon >= 0 && colon < at ? colon + 1 : start;
  return `${authority.slice(0, kept)}${URL_SECRET_MASK}${authority.slice(at)}${beforeQuery.slice(authority.length)}`;
}

/**
 * A URL whose userinfo the text masking cannot find (`http:user:pw@host`, `http:/user:pw@host`, which URL parsers
 * read as `http://user:pw@host`), as the parser writes it; undefined for any other text. Such a URL is refused now,
 * but one stored before, or by an import, is still read.
 */
function unusualWithUserinfo(url: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || !URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return parsed.username || parsed.password ? parsed.href : undefined;
}

/**
 * A URL as someone who may not read secrets sees it: the password of the userinfo (the user name when it stands
 * alone) and the values of query (and fragment) parameters whose names look like credentials are masked; everything
 * else is kept as written. Works on the text, not a parsed URL, so nothing is re-encoded and a value that is not a
 * URL (a bare hostname) passes as is.
 */
export function maskUrlSecrets(url: string): string {
  const unusual = unusualWithUserinfo(url);
  if (unusual) return maskUrlSecrets(unusual);
  const hash = url.indexOf('#');
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const question = beforeHash.indexOf('?');
  const base = maskUserinfo(question < 0 ? beforeHash : beforeHash.slice(0, question));
  const query = question < 0 ? '' : `?${maskParams(beforeHash.slice(question + 1))}`;
  const fragment = hash < 0 ? '' : `#${maskParams(url.slice(hash + 1))}`;
  return base + query + fragment;
}

/** A URL in running text: from its scheme to the next space, quote or angle bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi;

/**
 * A text (an error message) with every URL in it masked as maskUrlSecrets masks one. Go's `*url.Error`, which the Go
 * original's probes report as their reason, quotes the URL it asked for with only a password masked.
 */
export function maskUrlsInText(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => maskUrlSecrets(url));
}
