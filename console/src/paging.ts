import type { TypedDocumentNode } from '@urql/core';
import { useClient } from '@urql/preact';
import { useEffect, useState } from 'preact/hooks';
import { onResync } from './client.ts';

/** The API's most per page. */
export const PAGE = 100;

interface SitePage {
  sites: { pageInfo: { hasNextPage: boolean; endCursor?: string | null } };
}

/**
 * The pages of `sites` after the first one `data` holds, fetched into the cache one after the other as soon as the
 * previous one arrives (the cursor chain is the only order the API offers); relayPagination joins them into the one
 * list that `data` then holds. A new `reads` fetches them all again, and so does the client's resync: it reads the
 * first page again, and the rows past it would keep the statuses of before the connection dropped.
 */
export function useRestOfPages(query: TypedDocumentNode<SitePage, { first: number; after?: string | null }>, data: SitePage | undefined, reads = 0): void {
  const client = useClient();
  // The first page's cursor, once: later reads of the joined list end with the last page's.
  const [firstCursor, setFirstCursor] = useState<string | null>(null);
  const [resyncs, setResyncs] = useState(0);
  useEffect(() => onResync(client, () => setResyncs((n) => n + 1)), [client]);
  const info = data?.sites.pageInfo;
  if (firstCursor === null && info?.hasNextPage && info.endCursor) setFirstCursor(info.endCursor);
  useEffect(() => {
    if (!firstCursor) return;
    let stopped = false;
    const load = async () => {
      let after: string | null | undefined = firstCursor;
      while (after && !stopped) {
        const page: { data?: SitePage } = await client.query(query, { first: PAGE, after }, { requestPolicy: 'network-only' }).toPromise();
        const next = page.data?.sites.pageInfo;
        after = next?.hasNextPage ? next.endCursor : null;
      }
    };
    void load();
    return () => {
      stopped = true;
    };
  }, [client, query, firstCursor, reads, resyncs]);
}
