import type { IncomingMessage } from 'node:http';
import { permissionsOf, type Permissions } from '../auth/roles.ts';
import type { AuthService } from '../auth/sessions.ts';
import type { Viewer } from '../auth/viewer.ts';
import { textAnswer, type PlainAnswer } from './plain.ts';

export type Authenticated = { viewer: Viewer; refused?: undefined } | { viewer?: undefined; refused: PlainAnswer };

/**
 * The viewer of a plain route's `Authorization: Bearer` (a session or an API token, as for GraphQL), who must hold
 * `permission`: 401 without a valid credential, 403 with one that lacks the permission.
 */
export async function authenticate(req: IncomingMessage, auth: Pick<AuthService, 'resolveViewer'>, permission: keyof Permissions): Promise<Authenticated> {
  const viewer = await auth.resolveViewer(req.headers.authorization ?? null);
  if (!viewer) return { refused: textAnswer(401, 'Unauthorized: send "Authorization: Bearer <session or API token>"', { 'www-authenticate': 'Bearer' }) };
  if (!permissionsOf(viewer)[permission]) return { refused: textAnswer(403, `Forbidden: this needs the "${permission}" permission`) };
  return { viewer };
}
