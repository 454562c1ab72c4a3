import type { Viewer } from '../auth/viewer.ts';
import { duration } from '../config.ts';
import type { Role, User } from '../generated/prisma/client.ts';
import type { CliContext } from './context.ts';
import { CliError, UsageError } from './errors.ts';
import { formatTable, type CliIo } from './io.ts';
import { readPassword } from './password.ts';

/**
 * Who the services see as the caller of a user command: whoever runs `uptop` with access to the database file already
 * holds every right, so an admin that is no user (id 0, so "your own account" never matches) and whose session is
 * none of the user's (an empty token hash, so a password reset ends every session of theirs).
 */
const OPERATOR: Viewer = { userId: 0, username: 'uptop-cli', role: 'ADMIN', readOnly: false, via: 'session', tokenHash: '' };

async function findUser(ctx: CliContext, username: string): Promise<User> {
  const user = await ctx.db.user.findUnique({ where: { username } });
  if (!user) throw new CliError(`no user named "${username}"`);
  return user;
}

/** Without `--role`, the first user is an admin (someone must manage the others) and later ones are viewers. */
export async function addUser(ctx: CliContext, io: CliIo, username: string, options: { role?: Role; password?: string }): Promise<void> {
  const role = options.role ?? ((await ctx.db.user.count()) === 0 ? 'ADMIN' : 'VIEWER');
  const password = await readPassword({ given: options.password, ...io });
  ctx.announce({ what: 'users', userIds: [], access: null });
  const user = await ctx.services.users.create({ username, password, role });
  io.stdout.write(`created ${user.role.toLowerCase()} "${user.username}" (id ${user.id})\n`);
}

/** As an admin's reset through the API: the user's sessions and API tokens end, and so do their subscriptions. */
export async function changePassword(ctx: CliContext, io: CliIo, username: string, options: { password?: string }): Promise<void> {
  const user = await findUser(ctx, username);
  const password = await readPassword({ given: options.password, ...io });
  ctx.announce({ what: 'users', userIds: [user.id], access: 'ended' });
  await ctx.services.users.update(OPERATOR, user.id, { password });
  io.stdout.write(`changed the password of "${username}"; their sessions and API tokens have ended\n`);
}

export async function listUsers(ctx: CliContext, io: CliIo): Promise<void> {
  const users = await ctx.db.user.findMany({ orderBy: { id: 'asc' }, select: { id: true, username: true, role: true, createdAt: true } });
  const rows = users.map((u) => [String(u.id), u.username, u.role.toLowerCase(), u.createdAt.toISOString()]);
  io.stdout.write(formatTable(['ID', 'USERNAME', 'ROLE', 'CREATED'], rows));
}

/** The last admin is refused, as through the API. */
export async function deleteUser(ctx: CliContext, io: CliIo, username: string): Promise<void> {
  const user = await findUser(ctx, username);
  ctx.announce({ what: 'users', userIds: [user.id], access: 'ended' });
  await ctx.services.users.remove(OPERATOR, user.id);
  io.stdout.write(`deleted "${username}"\n`);
}

/**
 * A named API token of the user's, read-only unless `write`. The token alone goes to stdout (for `$(uptop token
 * create ...)`); it is shown this once. The service wants a session of the user's: the operator stands in for one.
 * `expiresIn` (`7d`) ends it that long from now; null keeps it until revoked.
 */
export async function createToken(
  ctx: CliContext,
  io: CliIo,
  username: string,
  options: { name: string; write: boolean; expiresIn: string | null },
): Promise<void> {
  const lifetime = options.expiresIn === null ? null : duration.safeParse(options.expiresIn);
  if (lifetime && !lifetime.success) throw new UsageError(`--expires-in: ${lifetime.error.issues[0]!.message}`);
  const user = await findUser(ctx, username);
  ctx.announce({ what: 'users', userIds: [], access: null });
  const asUser: Viewer = { ...OPERATOR, userId: user.id, username: user.username, role: user.role };
  const expiresAt = lifetime ? new Date(ctx.clock.nowMs() + lifetime.data) : null;
  const { token, apiToken } = await ctx.services.tokens.create(asUser, { name: options.name, readOnly: !options.write, expiresAt });
  io.stdout.write(`${token}\n`);
  const scope = apiToken.readOnly ? 'read-only' : `with ${user.role.toLowerCase()} rights`;
  const until = apiToken.expiresAt ? `until ${apiToken.expiresAt.toISOString()}` : 'until revoked';
  io.stderr.write(`created API token "${apiToken.name}" for "${username}", ${scope}, ${until}; it is not shown again\n`);
}
