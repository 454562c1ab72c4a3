import type { User } from '../generated/prisma/client.ts';
import type { Viewer } from '../graphql/context.ts';
import { InvalidCredentialsError, RateLimitedError, ValidationError } from '../services/errors.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { RateLimiter } from './rate-limit.ts';
import { bearerToken, hashToken, newToken, tokenKind, type TokenKind } from './tokens.ts';
import { ViewerCache, type Credential } from './viewer-cache.ts';

/** `lastUsedAt` is refreshed at most this often per token, so reads do not turn into a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;
const MAX_USERNAME = 64;
const MAX_PASSWORD = 1024;

export interface AuthService {
  /** Starts a session; the token is returned once and only its hash is stored. */
  login(username: string, password: string, clientIp: string): Promise<{ token: string; user: User; expiresAt: Date }>;
  /** Ends the viewer's session; false for an API token, which only `revokeApiToken` ends. */
  logout(viewer: Viewer): Promise<boolean>;
  /**
   * The viewer an `Authorization` value stands for; null when absent, unknown, revoked or expired. Answered from
   * memory for up to 30 s after the token was last read from the database, so every change to a user or their
   * tokens must be followed by `invalidateUser`.
   */
  resolveViewer(authorization: string | null): Promise<Viewer | null>;
  /** A user's role, name, password or existence changed, or one of their tokens was revoked: takes effect on their next request. Call after the change committed. */
  invalidateUser(userId: number): void;
}

export function createAuthService(deps: ServiceDeps): AuthService {
  const { db, writer, clock, config, logger } = deps;
  const limiter = new RateLimiter({ perMinute: config.loginRateLimitPerMinute, clock });
  const cache = new ViewerCache({ clock });

  function touch(kind: TokenKind, credential: Credential): void {
    const now = clock.now();
    const { rowId: id, lastUsedAt } = credential;
    if (lastUsedAt && now.getTime() - lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
    credential.lastUsedAt = now;
    writer
      .submit((tx) =>
        kind === 'session'
          ? tx.session.updateMany({ where: { id }, data: { lastUsedAt: now } })
          : tx.apiToken.updateMany({ where: { id }, data: { lastUsedAt: now } }),
      )
      .catch((err: unknown) => logger.error({ err, kind, id }, 'could not record token use'));
  }

  async function readCredential(kind: TokenKind, tokenHash: string): Promise<Credential | null> {
    if (kind === 'session') {
      const session = await db.session.findUnique({ where: { tokenHash }, include: { user: true } });
      if (!session) return null;
      const { user } = session;
      return {
        viewer: { userId: user.id, username: user.username, role: user.role, readOnly: false, via: 'session', tokenHash },
        rowId: session.id,
        expiresAtMs: session.expiresAt.getTime(),
        lastUsedAt: session.lastUsedAt,
      };
    }
    const apiToken = await db.apiToken.findUnique({ where: { tokenHash }, include: { user: true } });
    if (!apiToken) return null;
    const { user } = apiToken;
    return {
      viewer: { userId: user.id, username: user.username, role: user.role, readOnly: apiToken.readOnly, via: 'apiToken', tokenHash },
      rowId: apiToken.id,
      expiresAtMs: null,
      lastUsedAt: apiToken.lastUsedAt,
    };
  }

  return {
    async login(username, password, clientIp) {
      if (!limiter.take(clientIp)) throw new RateLimitedError(Math.ceil(limiter.retryAfterMs(clientIp) / 1000));
      if (username.length === 0 || username.length > MAX_USERNAME) throw new ValidationError('username', `must be 1 to ${MAX_USERNAME} characters`);
      if (password.length === 0 || password.length > MAX_PASSWORD) throw new ValidationError('password', `must be 1 to ${MAX_PASSWORD} characters`);

      // Taken before the user is read: a change to them committing from here on keeps the new session out of the cache.
      const generation = cache.generation;
      const user = await db.user.findUnique({ where: { username } });
      const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
      if (!user || !ok) throw new InvalidCredentialsError();

      const { token, hash } = newToken('session');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + config.sessionTtlMs);
      const session = await writer.submit(async (tx) => {
        await tx.session.deleteMany({ where: { userId: user.id, expiresAt: { lte: now } } });
        return tx.session.create({ data: { tokenHash: hash, userId: user.id, createdAt: now, lastUsedAt: now, expiresAt } });
      });
      const viewer: Viewer = { userId: user.id, username: user.username, role: user.role, readOnly: false, via: 'session', tokenHash: hash };
      cache.store(hash, { viewer, rowId: session.id, expiresAtMs: expiresAt.getTime(), lastUsedAt: now }, generation);
      return { token, user, expiresAt };
    },

    async logout(viewer) {
      if (viewer.via !== 'session') return false;
      const { count } = await writer.submit((tx) => tx.session.deleteMany({ where: { tokenHash: viewer.tokenHash } }));
      cache.forgetToken(viewer.tokenHash);
      return count > 0;
    },

    async resolveViewer(authorization) {
      const token = bearerToken(authorization);
      const kind = token ? tokenKind(token) : null;
      if (!token || !kind) return null;
      const tokenHash = hashToken(token);
      let credential = cache.lookup(tokenHash);
      if (!credential) {
        const generation = cache.generation;
        const read = await readCredential(kind, tokenHash);
        if (!read || (read.expiresAtMs !== null && read.expiresAtMs <= clock.nowMs())) return null;
        cache.store(tokenHash, read, generation);
        credential = read;
      }
      touch(kind, credential);
      return { ...credential.viewer };
    },

    invalidateUser(userId) {
      cache.forgetUser(userId);
    },
  };
}
