/** The session token for this tab only (sessionStorage): a new tab signs in again, closing the tab forgets it. */
const KEY = 'uptop.token';

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, token);
}
