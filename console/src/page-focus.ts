import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Route } from './route.ts';

/**
 * After a change of page (not on the first load, where the browser's own start is right), the focus moves to the new
 * page's main heading, as a page load would put a screen reader and the keyboard there; without it the focus stays on
 * the link that was followed, or falls to the body once a button it was on is gone. A page that loads its data first
 * shows its heading later: it is awaited, unless the user has put the focus somewhere meanwhile. The heading becomes
 * focusable by script only (tabindex -1), not a stop of the Tab key.
 */
export function useFocusOnNavigation(route: Route, main: RefObject<HTMLElement | null>): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const root = main.current;
    if (!root) return;
    const focusedAtChange = document.activeElement;
    const moveFocus = (): boolean => {
      const heading = root.querySelector<HTMLElement>('h1');
      if (!heading) return false;
      const moved = document.activeElement !== focusedAtChange && document.activeElement !== document.body;
      if (!moved) {
        heading.tabIndex = -1;
        heading.focus();
      }
      return true;
    };
    if (moveFocus()) return;
    const observer = new MutationObserver(() => {
      if (moveFocus()) observer.disconnect();
    });
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [route]);
}
