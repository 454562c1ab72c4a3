/**
 * Names of credentials, alone or as a word of a longer name (`client_secret`, `apiKey`, `X-Gotify-Key`); `pwd` and
 * `passwd` as meeting links and older admin pages put a password in a query.
 */
export const CREDENTIAL_NAMES: ReadonlySet<string> = new Set([
  'token',
  'key',
  'apikey',
  'api_key',
  'secret',
  'password',
  'pass',
  'passwd',
  'pwd',
  'auth',
  'access_token',
]);

/**
 * Those, and signatures: in a URL a signature is a credential (a presigned link opens what it signs). A header that
 * signs a request's body (a webhook's HMAC) is not: it opens nothing, and the next origin of a redirect needs it.
 */
const SECRET_NAMES: ReadonlySet<string> = new Set([...CREDENTIAL_NAMES, 'signature', 'sig']);

function decoded(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * Whether a name (a query parameter's, a header's) looks like it carries a secret of `names`: the name itself or one
 * of its words, split at punctuation and at camelCase humps (`x-api-key`, `apiKey`, `client_secret`; not `monkey`).
 */
export function looksSecret(rawName: string, names: ReadonlySet<string> = SECRET_NAMES): boolean {
  const name = decoded(rawName);
  if (names.has(name.toLowerCase())) return true;
  return name.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).some((word) => names.has(word.toLowerCase()));
}
