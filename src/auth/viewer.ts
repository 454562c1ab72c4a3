import type { Role } from '../generated/prisma/client.ts';

/** Who is asking: resolved from a session or API token. */
export interface Viewer {
  userId: number;
  username: string;
  role: Role;
  /** A read-only API token: may only run queries and subscriptions, whatever the user's role. */
  readOnly: boolean;
  via: 'session' | 'apiToken';
  /** Hash of the presented token, so `logout` can end this session. */
  tokenHash: string;
}
