import type { Role } from './gql/graphql.ts';
import { usePageTitle } from './title.ts';

/**
 * A page the signed-in role may not use, reached by its address or a key: it says so under the page's heading, where
 * the focus lands on a change of page, rather than leaving the page blank.
 */
export function NotForYourRole({ page, role }: { page: string; role: Role }) {
  usePageTitle(page);
  return (
    <section>
      <h1>{page}</h1>
      <p class="muted">Not for your role ({role.toLowerCase()}): ask an admin.</p>
    </section>
  );
}
