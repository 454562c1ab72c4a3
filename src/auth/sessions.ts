import type { User } from '../generated/prisma/client.ts';
import type { Viewer } from '../graphql/context.ts';
import { InvalidCredentialsError, RateLimitedError, ValidationError } from '../services/errors.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { RateLimiter } from './rate-limit.ts';
import { bearerToken, hashToken, newToken, tokenKind } from './tokens.ts';

/** `lastUsedAt` is refreshed at most this often per token, so reads do not turn into a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;
const MAX_USERNAME = 64;
const MAX_PASSWORD = 1024;

export interface AuthService {
  /** Starts a session; the token is returned once and only its hash is stored. */
  login(username: string, password: string, clientIp: string): Promise<{ token: string; user: User; expiresAt: Date }>;
  /** Ends the viewer's session; false for an API token, which only `revokeApiToken` ends. */
  logout(viewer: Viewer): Promise<boolean>;
  /** The viewer an `Authorization` value stands for; null when absent, unknown, revoked or expired. */
  resolveViewer(authorization: string | null): Promise<Viewer | null>;
}

export function createAuthService(deps: ServiceDeps): AuthService {
  const { db, writer, clock, config, logger } = deps;
  const limiter = new RateLimiter({ perMinute: config.loginRateLimitPerMinute, clock });

  function touch(kind: 'session' | 'api', id: number, lastUsedAt: Date | null): void {
    const now = clock.now();
    if (lastUsedAt && now.getTime() - lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
    writer
      .submit((tx) =>
        kind === 'session'
          ? tx.session.updateMany({ where: { id }, data: { lastUsedAt: now } })
          : tx.apiToken.updateMany({ where: { id }, data: { lastUsedAt: now } }),
      )
      .catch((err: unknown) => logger.error({ err, kind, id }, 'could not record token use'));
  }

  return {
    async login(username, password, clientIp) {
      if (!limiter.take(clientIp)) throw new RateLimitedError(Math.ceil(limiter.retryAfterMs(clientIp) / 1000));
      if (username.length === 0 || username.length > MAX_USERNAME) throw new ValidationError('username', `must be 1 to ${MAX_USERNAME} characters`);
      if (password.length === 0 || password.length > MAX_PASSWORD) throw new ValidationError('password', `must be 1 to ${MAX_PASSWORD} characters`);

      const user = await db.user.findUnique({ where: { username } });
      const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
      if (!user || !ok) throw new InvalidCredentialsError();

      const { token, hash } = newToken('session');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + config.sessionTtlMs);
      await writer.submit(async (tx) => {
        await tx.session.deleteMany({ where: { userId: user.id, expiresAt: { lte: now } } });
        await tx.session.create({ data: { tokenHash: hash, userId: user.id, createdAt: now, lastUsedAt: now, expiresAt } });
      });
      return { token, user, expiresAt };
    },

    async logout(viewer) {
      if (viewer.via !== 'session') return false;
      const { count } = await writer.submit((tx) => tx.session.deleteMany({ where: { tokenHash: viewer.tokenHash } }));
      return count > 0;
    },

    async resolveViewer(authorization) {
      const token = bearerToken(authorization);
      const kind = token ? tokenKind(token) : null;
      if (!token || !kind) return null;
      const tokenHash = hashToken(token);
      if (kind === 'session') {
        const session = await db.session.findUnique({ where: { tokenHash }, include: { user: true } });
        if (!session || session.expiresAt.getTime() <= clock.nowMs()) return null;
        touch('session', session.id, session.lastUsedAt);
        const { user } = session;
        return { userId: user.id, username: user.username, role: user.role, readOnly: false, via: 'session', tokenHash };
      }
      const apiToken = await db.apiToken.findUnique({ where: { tokenHash }, include: { user: true } });
      if (!apiToken) return null;
      touch('api', apiToken.id, apiToken.lastUsedAt);
      const { user } = apiToken;
      return { userId: user.id, username: user.username, role: user.role, readOnly: apiToken.readOnly, via: 'apiToken', tokenHash };
    },
  };
}
