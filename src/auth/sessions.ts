import type { User } from '../generated/prisma/client.ts';
import type { Viewer } from './viewer.ts';
import { InvalidCredentialsError, RateLimitedError, ValidationError } from '../services/errors.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { AccessWatch, type AccessEnd } from './access-watch.ts';
import { verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { PasswordAttempts } from './rate-limit.ts';
import type { Revocation } from './revocations.ts';
import { bearerToken, hashToken, newToken, tokenKind, type TokenKind } from './tokens.ts';
import { ViewerCache, type Credential } from './viewer-cache.ts';

/** `lastUsedAt` is refreshed at most this often per token, so reads do not turn into a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;
const MAX_USERNAME = 64;
const MAX_PASSWORD = 1024;

export interface AuthService {
  /** Starts a session; the token is returned once and only its hash is stored. */
  login(username: string, password: string, clientKey: string): Promise<{ token: string; user: User; expiresAt: Date }>;
  /** Ends the viewer's session; false for an API token, which only `revokeApiToken` ends. */
  logout(viewer: Viewer): Promise<boolean>;
  /**
   * The viewer an `Authorization` value stands for; null when absent, unknown, revoked or expired. Answered from
   * memory for up to 30 s after the token was last read from the database, so every change to a user or their
   * tokens must be followed by `invalidateUser`.
   */
  resolveViewer(authorization: string | null): Promise<Viewer | null>;
  /**
   * A user's role, name, password or existence changed: takes effect on their next request. With `access`, their
   * open subscriptions end too (`changed` for a new role, `ended` when the user is gone). Call after the change
   * committed.
   */
  invalidateUser(userId: number, access?: AccessEnd): void;
  /** Sessions or API tokens of a user were deleted: they stop working at once, and so does every subscription opened with them. Call after the delete committed. */
  endTokens(userId: number, tokenHashes: readonly string[]): void;
  /**
   * Calls `onEnd` once when the viewer's credential ends (logout, revocation, expiry, password change, deletion)
   * or their rights change, for a connection that outlives a request (a subscription). Returns the unwatch, for
   * when the connection closes first.
   */
  watch(viewer: Viewer, onEnd: (why: AccessEnd) => void): () => void;
  /** The limits on password checks, shared by `login` and `changePassword`. */
  passwordAttempts: PasswordAttempts;
}

export function createAuthService(deps: ServiceDeps): AuthService {
  const { db, writer, clock, config, logger } = deps;
  const passwordAttempts = new PasswordAttempts({
    perIpPerMinute: config.loginRateLimitPerMinute,
    failuresPerUserPerMinute: config.limits.loginFailuresPerUserPerMinute,
    clock,
  });
  const cache = new ViewerCache({ clock });
  const access = new AccessWatch<Viewer>(clock);

  /** What a revocation means to this process: its cached viewers go, and what they opened ends. */
  function apply(r: Revocation): void {
    if (r.what === 'tokens') for (const tokenHash of r.tokenHashes) cache.forgetToken(tokenHash);
    else cache.forgetUser(r.userId);
    if (r.what !== 'user') access.endTokens(r.tokenHashes);
    else if (r.access) access.endUser(r.userId, r.access);
  }

  /** Applies a revocation here at once, then on every other instance (with UPTOP_REDIS_URL). */
  function revoke(r: Revocation): void {
    apply(r);
    deps.revocations?.publish(r);
  }
  deps.revocations?.subscribe({
    apply,
    // Revocations made elsewhere while Redis was away were lost: nothing cached is trusted, every open connection is checked.
    resync() {
      cache.forgetAll();
      for (const viewer of access.grants()) recheck(viewer, (why) => access.endToken(viewer.tokenHash, why));
    },
  });

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
      expiresAtMs: apiToken.expiresAt?.getTime() ?? null,
      lastUsedAt: apiToken.lastUsedAt,
    };
  }

  /** The credential behind a token hash, from the cache when it holds it; null when gone or expired. */
  async function credentialOf(kind: TokenKind, tokenHash: string): Promise<Credential | null> {
    const cached = cache.lookup(tokenHash);
    if (cached) return cached;
    const generation = cache.generation;
    const read = await readCredential(kind, tokenHash);
    if (!read || (read.expiresAtMs !== null && read.expiresAtMs <= clock.nowMs())) return null;
    cache.store(tokenHash, read, generation);
    return read;
  }

  /**
   * Looks at a watched viewer's credential again and calls `end` when it no longer holds as it was granted: gone
   * (`ended`) or with other rights (`changed`). Otherwise arms the expiry of the session or API token.
   */
  function recheck(viewer: Viewer, end: (why: AccessEnd) => void): void {
    credentialOf(viewer.via === 'session' ? 'session' : 'api', viewer.tokenHash).then(
      (now) => {
        if (now && now.viewer.role === viewer.role && now.viewer.readOnly === viewer.readOnly) {
          if (now.expiresAtMs !== null) access.expireAt(viewer.tokenHash, now.expiresAtMs);
        } else end(now ? 'changed' : 'ended');
      },
      (err: unknown) => {
        // Unverified access is not kept: the client may open the subscription again.
        logger.error({ err, userId: viewer.userId }, "could not check a subscription's credential; ending it");
        end('changed');
      },
    );
  }

  return {
    async login(username, password, clientKey) {
      if (username.length === 0 || username.length > MAX_USERNAME) throw new ValidationError('username', `must be 1 to ${MAX_USERNAME} characters`);
      const wait = passwordAttempts.admit(clientKey, username);
      if (wait > 0) throw new RateLimitedError(Math.ceil(wait / 1000));
      if (password.length === 0 || password.length > MAX_PASSWORD) throw new ValidationError('password', `must be 1 to ${MAX_PASSWORD} characters`);

      // Taken before the user is read: a change to them committing from here on keeps the new session out of the cache.
      const generation = cache.generation;
      const user = await db.user.findUnique({ where: { username } });
      const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
      if (!user || !ok) {
        passwordAttempts.failed(clientKey, username);
        throw new InvalidCredentialsError();
      }
      passwordAttempts.succeeded(clientKey, username);

      const { token, hash } = newToken('session');
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + config.sessionTtlMs);
      const { session, evicted } = await writer.submit(async (tx) => {
        await tx.session.deleteMany({ where: { userId: user.id, expiresAt: { lte: now } } });
        // Past the cap the least recently used sessions end, rather than the login failing: a user locked out
        // until their sessions expire could not sign in to end them.
        const keep = config.limits.sessionsPerUser - 1;
        const evicted = await tx.session.findMany({
          where: { userId: user.id },
          orderBy: [{ lastUsedAt: 'desc' }, { id: 'desc' }],
          skip: keep,
          select: { tokenHash: true },
        });
        if (evicted.length) await tx.session.deleteMany({ where: { tokenHash: { in: evicted.map((e) => e.tokenHash) } } });
        const session = await tx.session.create({ data: { tokenHash: hash, userId: user.id, createdAt: now, lastUsedAt: now, expiresAt } });
        return { session, evicted: evicted.map((e) => e.tokenHash) };
      });
      if (evicted.length) revoke({ what: 'tokens', tokenHashes: evicted });
      const viewer: Viewer = { userId: user.id, username: user.username, role: user.role, readOnly: false, via: 'session', tokenHash: hash };
      cache.store(hash, { viewer, rowId: session.id, expiresAtMs: expiresAt.getTime(), lastUsedAt: now }, generation);
      return { token, user, expiresAt };
    },

    async logout(viewer) {
      if (viewer.via !== 'session') return false;
      const { count } = await writer.submit((tx) => tx.session.deleteMany({ where: { tokenHash: viewer.tokenHash } }));
      revoke({ what: 'tokens', tokenHashes: [viewer.tokenHash] });
      return count > 0;
    },

    async resolveViewer(authorization) {
      const token = bearerToken(authorization);
      const kind = token ? tokenKind(token) : null;
      if (!token || !kind) return null;
      const credential = await credentialOf(kind, hashToken(token));
      if (!credential) return null;
      touch(kind, credential);
      return { ...credential.viewer };
    },

    invalidateUser(userId, ended) {
      revoke({ what: 'user', userId, access: ended ?? null });
    },

    passwordAttempts,

    endTokens(userId, tokenHashes) {
      revoke({ what: 'userTokens', userId, tokenHashes: [...tokenHashes] });
    },

    watch(viewer, onEnd) {
      const unwatch = access.watch(viewer, onEnd);
      // The credential may have ended, or the role changed, after this viewer was resolved and before the watch
      // began, when no one was there to be told: look again (from the cache, normally) now that someone is.
      recheck(viewer, (why) => {
        if (unwatch()) onEnd(why);
      });
      return unwatch;
    },
  };
}
