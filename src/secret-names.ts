/** Names that carry credentials, alone or as a word of a longer name (`client_secret`, `apiKey`, `X-Gotify-Key`). */
const SECRET_NAMES = new Set(['token', 'key', 'apikey', 'api_key', 'secret', 'password', 'pass', 'auth', 'signature', 'sig', 'access_token']);

function decoded(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * Whether a name (a query parameter's, a header's) looks like it carries a credential: the name itself or one of its
 * words, split at punctuation and at camelCase humps (`x-api-key`, `apiKey`, `client_secret`; not `monkey`).
 */
export function looksSecret(rawName: string): boolean {
  const name = decoded(rawName);
  if (SECRET_NAMES.has(name.toLowerCase())) return true;
  return name.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).some((word) => SECRET_NAMES.has(word.toLowerCase()));
}
