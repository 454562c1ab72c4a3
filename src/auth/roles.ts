import type { Viewer } from '../graphql/context.ts';

/**
 * What a viewer may do (DESIGN decision 6): ADMIN everything including users, EDITOR monitors, alerts and
 * maintenance, VIEWER read only. A read-only API token reads what its user's role may read and writes nothing.
 */
export interface Permissions {
  /** Any signed-in viewer: queries and subscriptions. */
  read: boolean;
  /** Sees push tokens, HTTP headers and unredacted-by-role fields (EDITOR and ADMIN, read-only tokens included). */
  readSecrets: boolean;
  /** Lists users (ADMIN, read-only tokens included). */
  readUsers: boolean;
  /** Changes monitors, alert channels and maintenance windows. */
  edit: boolean;
  /** Manages users. */
  admin: boolean;
  /** Changes the viewer's own account: password, API tokens. */
  ownAccount: boolean;
}

const NOBODY: Permissions = { read: false, readSecrets: false, readUsers: false, edit: false, admin: false, ownAccount: false };

export function permissionsOf(viewer: Viewer | null): Permissions {
  if (!viewer) return NOBODY;
  const editorRole = viewer.role === 'ADMIN' || viewer.role === 'EDITOR';
  const adminRole = viewer.role === 'ADMIN';
  const writes = !viewer.readOnly;
  return {
    read: true,
    readSecrets: editorRole,
    readUsers: adminRole,
    edit: editorRole && writes,
    admin: adminRole && writes,
    ownAccount: writes,
  };
}
