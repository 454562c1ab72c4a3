import { z } from 'zod';
import type { AuthService } from '../auth/sessions.ts';
import { newToken } from '../auth/tokens.ts';
import type { ApiToken } from '../generated/prisma/client.ts';
import type { Viewer } from '../graphql/context.ts';
import type { ServiceDeps } from './deps.ts';
import { NotFoundError } from './errors.ts';
import { parseOrThrow } from './validate.ts';

const tokenName = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

export interface TokenService {
  /** A named API token of the viewer's own; the token is returned this once, only its hash is kept. */
  create(viewer: Viewer, input: { name: string; readOnly?: boolean | null }): Promise<{ token: string; apiToken: ApiToken }>;
  /** Revokes one of the viewer's own tokens; another user's token is "not found". */
  revoke(viewer: Viewer, id: number): Promise<void>;
}

export function createTokenService(deps: ServiceDeps, auth: Pick<AuthService, 'invalidateUser'>): TokenService {
  const { writer, clock } = deps;
  return {
    async create(viewer, input) {
      const name = parseOrThrow(tokenName, input.name, 'name');
      const { token, hash } = newToken('api');
      const apiToken = await writer.submit((tx) =>
        tx.apiToken.create({ data: { name, tokenHash: hash, readOnly: input.readOnly ?? true, userId: viewer.userId, createdAt: clock.now() } }),
      );
      return { token, apiToken };
    },

    async revoke(viewer, id) {
      await writer.submit(async (tx) => {
        const { count } = await tx.apiToken.deleteMany({ where: { id, userId: viewer.userId } });
        if (count === 0) throw new NotFoundError('ApiToken');
      });
      // Bearer tokens are resolved from memory (sessions.ts); the revoked one must stop working at once.
      auth.invalidateUser(viewer.userId);
    },
  };
}
