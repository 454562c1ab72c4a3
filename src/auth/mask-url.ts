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

/** `scheme://user:password@host` → `scheme://user:***@host`; the last `@` of the authority ends the userinfo, as in WHATWG URL parsing. */
function maskUserinfo(beforeQuery: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/\\]*/i.exec(beforeQuery);
  if (!scheme) return beforeQuery;
  const authority = scheme[0];
  const at = authority.lastIndexOf('@');
  const colon = authority.indexOf(':', authority.indexOf('//') + 2);
  if (at < 0 || colon < 0 || colon > at) return beforeQuery;
  return `${authority.slice(0, colon + 1)}${URL_SECRET_MASK}${authority.slice(at)}${beforeQuery.slice(authority.length)}`;
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
 * A URL as someone who may not read secrets sees it: the password of the userinfo and the values of query (and
 * fragment) parameters whose names look like credentials are masked; everything else is kept as written. Works on
 * the text, not a parsed URL, so nothing is re-encoded and a value that is not a URL (a bare hostname) passes as is.
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
