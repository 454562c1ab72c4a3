import { permissionsOf } from '../../auth/roles.ts';
import { hashToken } from '../../auth/tokens.ts';
import { Role, type ApiToken, type User } from '../../generated/prisma/client.ts';
import { ConflictError, ForbiddenError, InvalidCredentialsError, NotFoundError, RateLimitedError, ValidationError } from '../../services/errors.ts';
import type { PasswordChange } from '../../services/users.ts';
import { builder } from '../builder.ts';
import { byRowId, decodeId, ROW_NODE, targetId } from '../ids.ts';
import { LIST_LIMIT, listArgs, listWindow } from '../lists.ts';
import type { GraphQLContext } from '../context.ts';
import { deleteMutation } from './by-id.ts';

export const RoleEnum = builder.enumType(Role, { name: 'Role' });

/**
 * Who `node(id)` may find a user or API token of: everyone for those who may read users, else only the viewer.
 * Someone else's row is then looked up as no row at all, so `node` answers null just as for a missing id and does
 * not tell which ids exist.
 */
function ownerOnly(ctx: GraphQLContext): number | null {
  return ctx.viewer && !permissionsOf(ctx.viewer).readUsers ? ctx.viewer.userId : null;
}

export const UserRef = builder.prismaNode('User', {
  ...ROW_NODE,
  findUnique: (id, ctx) => {
    const owner = ownerOnly(ctx);
    return { ...byRowId(id), ...(owner !== null && { AND: [{ id: owner }] }) };
  },
  // Users see themselves; only admins see others.
  authScopes: (user, ctx) => user.id === ctx.viewer?.userId || { readUsers: true },
  fields: (t) => ({
    username: t.exposeString('username'),
    role: t.expose('role', { type: RoleEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const ApiTokenRef = builder.prismaNode('ApiToken', {
  ...ROW_NODE,
  findUnique: (id, ctx) => {
    const owner = ownerOnly(ctx);
    return { ...byRowId(id), ...(owner !== null && { userId: owner }) };
  },
  description: 'A named API token; the token itself is shown once, when created.',
  authScopes: (token, ctx) => token.userId === ctx.viewer?.userId || { readUsers: true },
  fields: (t) => ({
    name: t.exposeString('name'),
    readOnly: t.exposeBoolean('readOnly'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Recorded at most once a minute.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When it stops working; null: until revoked.' }),
    expired: t.boolean({
      description: 'Past `expiresAt`: it opens nothing, and is deleted 30 days after it expired.',
      resolve: (token, _args, ctx) => token.expiresAt !== null && token.expiresAt.getTime() <= ctx.clock.nowMs(),
    }),
    user: t.relation('user', { description: 'Whose token it is.' }),
  }),
});

/** The user `apiTokens(userId:)` asks about: the viewer when absent; an id of another type names nobody. */
function tokenOwner(userId: string | number | null | undefined, ctx: GraphQLContext): number | null {
  return userId == null ? ctx.viewer!.userId : decodeId(String(userId), 'User');
}

builder.queryFields((t) => ({
  me: t.prismaField({
    type: 'User',
    nullable: true,
    description: 'The signed-in user; null without a valid token.',
    resolve: (query, _root, _args, ctx) => (ctx.viewer ? ctx.db.user.findUnique({ ...query, where: { id: ctx.viewer.userId } }) : null),
  }),
  users: t.prismaField({
    type: ['User'],
    description: `In id order, at most ${LIST_LIMIT} at a time.`,
    authScopes: { readUsers: true },
    args: listArgs(t.arg, 'User'),
    resolve: (query, _root, args, ctx) => {
      const { take, afterId } = listWindow(args, 'User');
      return ctx.db.user.findMany({ ...query, where: { id: { gt: afterId } }, orderBy: { id: 'asc' }, take });
    },
  }),
  apiTokens: t.prismaField({
    type: ['ApiToken'],
    description: "A user's API tokens: your own, or with `userId` anyone's for an ADMIN.",
    args: { userId: t.arg.id({ description: 'Default: you.' }) },
    authScopes: (_root, args, ctx) => (ctx.viewer !== null && tokenOwner(args.userId, ctx) === ctx.viewer.userId) || { readUsers: true },
    resolve: (query, _root, args, ctx) => {
      const userId = tokenOwner(args.userId, ctx);
      return userId === null ? [] : ctx.db.apiToken.findMany({ ...query, where: { userId }, orderBy: { id: 'asc' } });
    },
  }),
}));

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({ username: t.string({ required: true }), password: t.string({ required: true }) }),
});

const LoginPayload = builder.objectRef<{ token: string; user: User; expiresAt: Date }>('LoginPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Send as `Authorization: Bearer <token>`.' }),
    user: t.field({ type: UserRef, resolve: (p) => p.user }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const UserPayload = builder.objectRef<{ user: User }>('UserPayload').implement({
  fields: (t) => ({ user: t.field({ type: UserRef, resolve: (p) => p.user }) }),
});

const ApiTokenPayload = builder.objectRef<{ token: string; apiToken: ApiToken }>('ApiTokenPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Shown only this once; only its hash is stored.' }),
    apiToken: t.field({ type: ApiTokenRef, resolve: (p) => p.apiToken }),
  }),
});

const CreateUserInput = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    username: t.string({ required: true }),
    password: t.string({ required: true, description: 'At least 8 characters.' }),
    role: t.field({ type: RoleEnum, description: 'Default VIEWER.' }),
  }),
});

const UpdateUserInput = builder.inputType('UpdateUserInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    username: t.string(),
    password: t.string({ description: "A reset: setting it ends the user's sessions (but yours) and revokes their API tokens." }),
    role: t.field({ type: RoleEnum }),
  }),
});

const CreateApiTokenInput = builder.inputType('CreateApiTokenInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    readOnly: t.boolean({ description: "Default true: the token may only read, whatever the user's role." }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'When the token stops working, on every transport (open subscriptions end then); in the future. Default: until revoked.',
    }),
  }),
});

const ChangePasswordInput = builder.inputType('ChangePasswordInput', {
  fields: (t) => ({ currentPassword: t.string({ required: true }), newPassword: t.string({ required: true }) }),
});

const ChangePasswordPayload = builder.objectRef<PasswordChange>('ChangePasswordPayload').implement({
  fields: (t) => ({
    user: t.field({ type: UserRef, resolve: (p) => p.user }),
    sessionsEnded: t.exposeInt('sessionsEnded', { description: 'Your other sessions, which were signed out.' }),
    apiTokensKept: t.exposeInt('apiTokensKept', { description: 'Your API tokens, which keep working; revoke any you suspect with `revokeApiToken`.' }),
  }),
});

builder.mutationFields((t) => ({
  login: t.field({
    type: LoginPayload,
    description:
      'Starts a session. Unknown user and wrong password answer alike. Rate-limited per client IP and, for failed ' +
      "attempts, per username; past UPTOP_SESSIONS_PER_USER the user's least recently used session ends.",
    errors: { types: [InvalidCredentialsError, RateLimitedError, ValidationError] },
    args: { input: t.arg({ type: LoginInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const session = await ctx.services.auth.login(input.username, input.password, ctx.clientKey);
      const { user } = session;
      // The rest of this operation (the payload's `user`) runs as the user who just signed in.
      ctx.viewer = { userId: user.id, username: user.username, role: user.role, readOnly: false, via: 'session', tokenHash: hashToken(session.token) };
      return session;
    },
  }),
  logout: t.boolean({
    description: 'Ends the current session; false when the request used an API token (revoke those instead).',
    authScopes: { read: true },
    resolve: (_root, _args, ctx) => ctx.services.auth.logout(ctx.viewer!),
  }),
  changePassword: t.field({
    type: ChangePasswordPayload,
    description: "Changes the signed-in user's password and ends their other sessions; API tokens are kept. Needs a session, not an API token.",
    authScopes: { ownAccount: true },
    errors: { types: [ValidationError, ForbiddenError, RateLimitedError] },
    args: { input: t.arg({ type: ChangePasswordInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.users.changeOwnPassword(ctx.viewer!, input.currentPassword, input.newPassword, ctx.clientKey),
  }),
  createUser: t.field({
    type: UserPayload,
    authScopes: { admin: true },
    errors: { types: [ValidationError, ConflictError] },
    args: { input: t.arg({ type: CreateUserInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ user: await ctx.services.users.create(input) }),
  }),
  updateUser: t.field({
    type: UserPayload,
    description: "An admin's change to any user; your own password only through `changePassword` (ForbiddenError).",
    authScopes: { admin: true },
    errors: { types: [ValidationError, NotFoundError, ConflictError, ForbiddenError] },
    args: { input: t.arg({ type: UpdateUserInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      user: await ctx.services.users.update(ctx.viewer!, targetId(input.id, 'User'), input),
    }),
  }),
  deleteUser: deleteMutation(t, 'User', {
    authScopes: { admin: true },
    errors: [ConflictError],
    remove: (id, ctx) => ctx.services.users.remove(ctx.viewer!, id),
  }),
  createApiToken: t.field({
    type: ApiTokenPayload,
    description: 'Needs a session, not an API token: a leaked token cannot mint more. At most UPTOP_API_TOKENS_PER_USER per user (ConflictError).',
    authScopes: { ownAccount: true },
    errors: { types: [ValidationError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: CreateApiTokenInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.tokens.create(ctx.viewer!, input),
  }),
  // An ADMIN may revoke anyone's token (TokenService.revoke).
  revokeApiToken: deleteMutation(t, 'ApiToken', {
    authScopes: { ownAccount: true },
    remove: (id, ctx) => ctx.services.tokens.revoke(ctx.viewer!, id),
  }),
}));
