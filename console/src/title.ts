import { useEffect } from 'preact/hooks';

const APP = 'uptop';

/**
 * Names the page in the document's title (`Monitors · uptop`): screen readers announce it, and the browser's history
 * and tabs list it. `null` while the page does not know its name yet (a monitor still loading) leaves the app's name.
 */
export function usePageTitle(page: string | null): void {
  useEffect(() => {
    document.title = page ? `${page} · ${APP}` : APP;
  }, [page]);
}
