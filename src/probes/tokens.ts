import { permissionsOf } from '../auth/roles.ts';
import { newProbeToken } from '../auth/tokens.ts';
import type { Viewer } from '../auth/viewer.ts';
import type { ApiToken } from '../generated/prisma/client.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { ConflictError, ForbiddenError } from '../services/errors.ts';
import { nameText, parseOrThrow } from '../services/validate.ts';

const tokenName = nameText(100);

/**
 * A probe token for `uptop probe --token` (or a Go probe's UPTOP_CLUSTER_SECRET), created by an ADMIN and theirs: it
 * opens the probe endpoints only, never the API, and stops working when revoked (`revokeApiToken`), when its owner is
 * no longer an ADMIN, or with its owner. Shown this once; only its hash is kept. It counts against the owner's
 * UPTOP_API_TOKENS_PER_USER.
 */
export async function createProbeToken(
  deps: Pick<ServiceDeps, 'writer' | 'clock' | 'config'>,
  viewer: Viewer,
  input: { name: string },
): Promise<{ token: string; apiToken: ApiToken }> {
  if (!permissionsOf(viewer).admin) throw new ForbiddenError('creating a probe token needs an ADMIN');
  const name = parseOrThrow(tokenName, input.name, 'name');
  const { token, hash } = newProbeToken();
  const max = deps.config.limits.apiTokensPerUser;
  const apiToken = await deps.writer.submit(async (tx) => {
    if ((await tx.apiToken.count({ where: { userId: viewer.userId } })) >= max) {
      throw new ConflictError(`you have ${max} API tokens, the most allowed (UPTOP_API_TOKENS_PER_USER); revoke one first`);
    }
    return tx.apiToken.create({ data: { name, tokenHash: hash, readOnly: true, scope: 'PROBE', userId: viewer.userId, createdAt: deps.clock.now() } });
  });
  return { token, apiToken };
}
