import type { Viewer } from './viewer.ts';

/**
 * What a viewer may do (DESIGN decisions 6 and 12): ADMIN everything including users, EDITOR monitors, alerts and
 * maintenance, VIEWER read only. A read-only API token reads what a VIEWER reads, whatever its user's role, and
 * writes nothing: a leaked dashboard token must not leak push tokens, webhook keys or the user list.
 */
export interface Permissions {
  /** Any signed-in viewer: queries and subscriptions. */
  read: boolean;
  /**
   * Sees push tokens, HTTP headers, bodies and credentials, alert secrets, and URLs unmasked (EDITOR and ADMIN,
   * not through a read-only token). Every secret field asks this one question.
   */
  readSecrets: boolean;
  /** Lists users and their API tokens (ADMIN, not through a read-only token). */
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
  // A read-only token has a VIEWER's rights whatever its user's role.
  const role = viewer.readOnly ? 'VIEWER' : viewer.role;
  const editor = role === 'ADMIN' || role === 'EDITOR';
  return {
    read: true,
    readSecrets: editor,
    readUsers: role === 'ADMIN',
    edit: editor,
    admin: role === 'ADMIN',
    ownAccount: !viewer.readOnly,
  };
}
