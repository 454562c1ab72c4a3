import { Provider, useMutation, useQuery } from '@urql/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AlertChannels } from './alerts.tsx';
import { createApiClient } from './client.ts';
import { Dashboard } from './dashboard.tsx';
import { graphql } from './gql/index.ts';
import { Logs } from './logs.tsx';
import { Maintenance } from './maintenance.tsx';
import { useFocusOnNavigation } from './page-focus.ts';
import { RoleContext } from './role.ts';
import { NotForYourRole } from './not-for-role.tsx';
import { navigate, useRoute } from './route.ts';
import { SignIn } from './sign-in.tsx';
import { SiteDetail } from './site-detail.tsx';
import { SiteForm } from './site-form.tsx';
import { storedToken, storeToken } from './session.ts';
import { ApiTokens } from './tokens.tsx';
import { Users } from './users.tsx';

const MeQuery = graphql(`
  query ConsoleMe { me { id username role } }
`);

const LogoutMutation = graphql(`
  mutation ConsoleLogout { logout }
`);

export function App() {
  const [token, setToken] = useState(storedToken);
  const signOut = () => {
    storeToken(null);
    setToken(null);
  };
  const api = useMemo(() => createApiClient(token, signOut), [token]);
  useEffect(() => () => api.close(), [api]);

  return (
    <Provider value={api.urql}>
      {token ? (
        <Console onSignedOut={signOut} />
      ) : (
        <SignIn
          onSignedIn={(t) => {
            storeToken(t);
            setToken(t);
          }}
        />
      )}
    </Provider>
  );
}

function Console({ onSignedOut }: { onSignedOut: () => void }) {
  const [{ data }] = useQuery({ query: MeQuery });
  const [, logout] = useMutation(LogoutMutation);
  const route = useRoute();
  const filterRef = useRef<HTMLInputElement | null>(null);
  const main = useRef<HTMLElement>(null);
  useFocusOnNavigation(route, main);
  const me = data?.me;
  const canEdit = me !== undefined && me !== null && me.role !== 'VIEWER';

  useEffect(() => {
    // The original's keys: `/` filters, `n` adds a monitor; none while typing in a field.
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.ctrlKey || event.metaKey || event.altKey || target?.closest('input, textarea, select')) return;
      if (event.key === '/' && filterRef.current) {
        event.preventDefault();
        filterRef.current.focus();
      } else if (event.key === 'n' && canEdit) {
        navigate('#/new');
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [canEdit]);

  useEffect(() => {
    if (data && !me) onSignedOut();
  }, [data, me]);

  // The page does not wait for `me`: until it answers, the role is taken as VIEWER's, so no edit control shows early.
  return (
    <RoleContext.Provider value={me?.role ?? 'VIEWER'}>
      <header class="top">
        <a class="brand" href="#/">
          uptop
        </a>
        <nav>
          <a href="#/">Dashboard</a>
          <a href="#/alerts">Alerts</a>
          <a href="#/maintenance">Maintenance</a>
          <a href="#/logs">Logs</a>
          {me?.role === 'ADMIN' ? <a href="#/users">Users</a> : null}
          <a href="#/tokens">Tokens</a>
        </nav>
        <span class="spacer" />
        {canEdit ? (
          <button type="button" onClick={() => navigate('#/new')}>
            New monitor
          </button>
        ) : null}
        <span class="muted user">{me ? `${me.username} (${me.role.toLowerCase()})` : ''}</span>
        <button
          type="button"
          class="secondary"
          onClick={async () => {
            await logout({});
            onSignedOut();
          }}
        >
          Sign out
        </button>
      </header>
      <main ref={main}>
        {route.page === 'dashboard' ? <Dashboard filterRef={filterRef} /> : null}
        {/* Keyed: moving to another monitor's page (Back) starts afresh, without the last one's delete question. */}
        {route.page === 'site' ? <SiteDetail key={route.id} id={route.id} /> : null}
        {route.page === 'new' && canEdit ? <SiteForm /> : null}
        {route.page === 'edit' && canEdit ? <SiteForm id={route.id} /> : null}
        {(route.page === 'new' || route.page === 'edit') && me && !canEdit ? <NotForYourRole page="Edit a monitor" role={me.role} /> : null}
        {route.page === 'logs' ? <Logs /> : null}
        {route.page === 'alerts' ? <AlertChannels /> : null}
        {route.page === 'maintenance' ? <Maintenance /> : null}
        {route.page === 'users' && me?.role === 'ADMIN' ? <Users /> : null}
        {route.page === 'users' && me && me.role !== 'ADMIN' ? <NotForYourRole page="Users" role={me.role} /> : null}
        {route.page === 'tokens' ? <ApiTokens /> : null}
      </main>
    </RoleContext.Provider>
  );
}
