import { z } from 'zod';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../auth/passwords.ts';
import type { AuthService } from '../auth/sessions.ts';
import { Role, type User } from '../generated/prisma/client.ts';
import type { Viewer } from '../auth/viewer.ts';
import type { Tx } from '../writer/types.ts';
import type { ServiceDeps } from './deps.ts';
import { ConflictError, ForbiddenError, NotFoundError, RateLimitedError, ValidationError } from './errors.ts';
import { parseOrThrow, refuseNulls } from './validate.ts';

const username = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._@-]{1,64}$/, 'must be 1 to 64 letters, digits, ".", "_", "@" or "-"');
const MAX_PASSWORD_LENGTH = 1024;
const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`);
const role = z.enum(Role);

/** What a user's own password change did besides setting it. */
export interface PasswordChange {
  user: User;
  /** Their other sessions, which were ended. */
  sessionsEnded: number;
  /** Their API tokens, which keep working. */
  apiTokensKept: number;
}

export interface UserService {
  create(input: { username: string; password: string; role?: Role | null }): Promise<User>;
  /**
   * An admin's change. Setting the password is a reset of an account that may be compromised: it ends the user's
   * sessions (except the caller's own) and revokes their API tokens. Not the caller's own password (ForbiddenError):
   * that is `changeOwnPassword`'s, which a stolen session or a leaked API token cannot pass.
   */
  update(viewer: Viewer, id: number, input: { username?: string | null; password?: string | null; role?: Role | null }): Promise<User>;
  remove(viewer: Viewer, id: number): Promise<void>;
  /** Needs a session (a leaked API token must not take the account over); ends the user's other sessions and keeps their API tokens. */
  /** Limited like `login` (per client IP, and failures per username): each try costs a password hash. */
  changeOwnPassword(viewer: Viewer, currentPassword: string, newPassword: string, clientKey: string): Promise<PasswordChange>;
}

/**
 * Taken usernames are a conflict, found inside the write so two creations cannot both pass. One that differs only
 * by case is taken too: `ADMIN` beside `admin` would pass for that user wherever a username is shown. Usernames are
 * ASCII (the `username` rule), so SQL's `lower` folds them alike on SQLite and PostgreSQL.
 */
async function assertUsernameFree(tx: Tx, name: string, exceptId: number | null): Promise<void> {
  const others = await tx.$queryRaw<{ id: number }[]>`SELECT "id" FROM "User" WHERE lower("username") = lower(${name})`;
  if (others.some((other) => Number(other.id) !== exceptId)) throw new ConflictError(`the username "${name}" is taken`);
}

/** The last ADMIN can be neither demoted nor deleted: nobody could manage users afterwards. */
async function assertNotLastAdmin(tx: Tx, user: Pick<User, 'id' | 'role'>, action: string): Promise<void> {
  if (user.role !== 'ADMIN') return;
  if ((await tx.user.count({ where: { role: 'ADMIN', id: { not: user.id } } })) === 0) {
    throw new ConflictError(`cannot ${action} the last admin`);
  }
}

/**
 * Deletes a user's sessions but the one `keep` names, and with `apiTokens` their API tokens too; returns the token
 * hashes deleted, so the auth service can end what was opened with them.
 */
async function endCredentials(tx: Tx, userId: number, keep: string, apiTokens: boolean): Promise<{ sessions: string[]; apiTokens: string[] }> {
  const sessionWhere = { userId, tokenHash: { not: keep } };
  const sessions = await tx.session.findMany({ where: sessionWhere, select: { tokenHash: true } });
  await tx.session.deleteMany({ where: sessionWhere });
  const tokens = apiTokens ? await tx.apiToken.findMany({ where: { userId }, select: { tokenHash: true } }) : [];
  if (apiTokens) await tx.apiToken.deleteMany({ where: { userId } });
  return { sessions: sessions.map((row) => row.tokenHash), apiTokens: tokens.map((row) => row.tokenHash) };
}

/** Signed-in users are resolved from memory (sessions.ts), so every committed change to a user is announced. */
export function createUserService(deps: ServiceDeps, auth: Pick<AuthService, 'invalidateUser' | 'endTokens' | 'passwordAttempts'>): UserService {
  const { db, writer, clock } = deps;

  return {
    async create(input) {
      const name = parseOrThrow(username, input.username, 'username');
      const hash = await hashPassword(parseOrThrow(password, input.password, 'password'));
      const userRole = input.role ?? 'VIEWER';
      const now = clock.now();
      return writer.submit(async (tx) => {
        await assertUsernameFree(tx, name, null);
        return tx.user.create({ data: { username: name, passwordHash: hash, role: userRole, createdAt: now, updatedAt: now } });
      });
    },

    async update(viewer, id, input) {
      refuseNulls(input, ['username', 'role', 'password']);
      if (input.password != null && id === viewer.userId) {
        throw new ForbiddenError('set your own password with changePassword, which asks for the current one');
      }
      const name = input.username == null ? undefined : parseOrThrow(username, input.username, 'username');
      const newRole = input.role == null ? undefined : parseOrThrow(role, input.role, 'role');
      const hash = input.password == null ? undefined : await hashPassword(parseOrThrow(password, input.password, 'password'));
      const { user, roleChanged, ended } = await writer.submit(async (tx) => {
        const current = await tx.user.findUnique({ where: { id } });
        if (!current) throw new NotFoundError('User');
        if (name !== undefined) await assertUsernameFree(tx, name, id);
        if (newRole !== undefined && newRole !== 'ADMIN') await assertNotLastAdmin(tx, current, 'demote');
        const ended = hash === undefined ? null : await endCredentials(tx, id, viewer.tokenHash, true);
        const updated = await tx.user.update({
          where: { id },
          data: { username: name, role: newRole, passwordHash: hash, updatedAt: clock.now() },
        });
        return { user: updated, roleChanged: newRole !== undefined && newRole !== current.role, ended };
      });
      if (ended) auth.endTokens(id, [...ended.sessions, ...ended.apiTokens]);
      auth.invalidateUser(id, roleChanged ? 'changed' : undefined);
      return user;
    },

    async remove(viewer, id) {
      if (id === viewer.userId) throw new ConflictError('you cannot delete your own account');
      await writer.submit(async (tx) => {
        const user = await tx.user.findUnique({ where: { id }, select: { id: true, role: true } });
        if (!user) throw new NotFoundError('User');
        await assertNotLastAdmin(tx, user, 'delete');
        // Sessions and API tokens cascade.
        await tx.user.delete({ where: { id } });
      });
      auth.invalidateUser(id, 'ended');
    },

    async changeOwnPassword(viewer, currentPassword, newPassword, clientKey) {
      if (viewer.via !== 'session') throw new ForbiddenError('changing your password needs a signed-in session, not an API token');
      // Checked before the hash runs on it: scrypt's cost grows with the input.
      if (currentPassword.length > MAX_PASSWORD_LENGTH) throw new ValidationError('currentPassword', `must be at most ${MAX_PASSWORD_LENGTH} characters`);
      const wait = auth.passwordAttempts.admit(clientKey, viewer.username);
      if (wait > 0) throw new RateLimitedError(Math.ceil(wait / 1000));
      const user = await db.user.findUnique({ where: { id: viewer.userId } });
      if (!user || !(await verifyPassword(currentPassword, user.passwordHash))) {
        auth.passwordAttempts.failed(clientKey, viewer.username);
        throw new ValidationError('currentPassword', 'is not your current password');
      }
      auth.passwordAttempts.succeeded(clientKey, viewer.username);
      const hash = await hashPassword(parseOrThrow(password, newPassword, 'newPassword'));
      const { updated, ended, apiTokensKept } = await writer.submit(async (tx) => ({
        ended: await endCredentials(tx, viewer.userId, viewer.tokenHash, false),
        apiTokensKept: await tx.apiToken.count({ where: { userId: viewer.userId } }),
        updated: await tx.user.update({ where: { id: viewer.userId }, data: { passwordHash: hash, updatedAt: clock.now() } }),
      }));
      auth.endTokens(viewer.userId, ended.sessions);
      return { user: updated, sessionsEnded: ended.sessions.length, apiTokensKept };
    },
  };
}
