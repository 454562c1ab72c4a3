import type { AuthService } from '../auth/sessions.ts';
import { unexpiredAt } from '../auth/expired-credentials.ts';
import { permissionsOf } from '../auth/roles.ts';
import { newToken } from '../auth/tokens.ts';
import type { ApiToken } from '../generated/prisma/client.ts';
import type { Viewer } from '../auth/viewer.ts';
import type { ServiceDeps } from './deps.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import { nameText, parseOrThrow } from './validate.ts';

const tokenName = nameText(100);

export interface TokenService {
  /**
   * A named API token of the viewer's own; the token is returned this once, only its hash is kept. Needs a session:
   * a leaked token must not mint more.
   */
  create(viewer: Viewer, input: { name: string; readOnly?: boolean | null; expiresAt?: Date | null }): Promise<{ token: string; apiToken: ApiToken }>;
  /** Revokes one of the viewer's own tokens, or anyone's for an admin; another user's token is otherwise "not found". */
  revoke(viewer: Viewer, id: number): Promise<void>;
}

export function createTokenService(deps: ServiceDeps, auth: Pick<AuthService, 'endTokens'>): TokenService {
  const { writer, clock } = deps;
  return {
    async create(viewer, input) {
      if (viewer.via !== 'session') throw new ForbiddenError('creating an API token needs a signed-in session, not an API token');
      const name = parseOrThrow(tokenName, input.name, 'name');
      const expiresAt = input.expiresAt ?? null;
      if (expiresAt && expiresAt.getTime() <= clock.nowMs()) throw new ValidationError('expiresAt', 'must be in the future');
      const { token, hash } = newToken('api');
      const max = deps.config.limits.apiTokensPerUser;
      const apiToken = await writer.submit(async (tx) => {
        const now = clock.now();
        // Expired tokens stay listed until the retention pass deletes them; they open nothing, so they take no place.
        if ((await tx.apiToken.count({ where: { userId: viewer.userId, ...unexpiredAt(now) } })) >= max) {
          throw new ConflictError(`you have ${max} API tokens, the most allowed (UPTOP_API_TOKENS_PER_USER); revoke one first`);
        }
        return tx.apiToken.create({ data: { name, tokenHash: hash, readOnly: input.readOnly ?? true, userId: viewer.userId, createdAt: now, expiresAt } });
      });
      return { token, apiToken };
    },

    async revoke(viewer, id) {
      const anyones = permissionsOf(viewer).admin;
      const revoked = await writer.submit(async (tx) => {
        const token = await tx.apiToken.findUnique({ where: { id }, select: { userId: true, tokenHash: true } });
        if (!token || (!anyones && token.userId !== viewer.userId)) throw new NotFoundError('ApiToken');
        await tx.apiToken.delete({ where: { id } });
        return token;
      });
      // Bearer tokens are resolved from memory (sessions.ts); the revoked one, and its subscriptions, must stop at once.
      auth.endTokens(revoked.userId, [revoked.tokenHash]);
    },
  };
}
