import { useEffect, useState } from 'preact/hooks';

/** The console's pages, in the URL's hash so the server has one page to serve and reloads keep the place. */
export type Route =
  | { page: 'dashboard' }
  | { page: 'site'; id: string }
  | { page: 'edit'; id: string }
  | { page: 'new' }
  | { page: 'logs' }
  | { page: 'alerts' }
  | { page: 'maintenance' }
  | { page: 'users' }
  | { page: 'tokens' };

export function parseRoute(hash: string): Route {
  const [, page, id] = hash.replace(/^#/, '').split('/');
  if (page === 'site' && id) return { page: 'site', id: decodeURIComponent(id) };
  if (page === 'edit' && id) return { page: 'edit', id: decodeURIComponent(id) };
  if (page === 'new') return { page: 'new' };
  if (page === 'logs') return { page: 'logs' };
  if (page === 'alerts') return { page: 'alerts' };
  if (page === 'maintenance') return { page: 'maintenance' };
  if (page === 'users') return { page: 'users' };
  if (page === 'tokens') return { page: 'tokens' };
  return { page: 'dashboard' };
}

export function navigate(hash: string): void {
  location.hash = hash;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
