import { z } from 'zod';
import { maskUrlSecrets } from '../../auth/mask-url.ts';
import { containsIgnoringCase } from '../../db/text-search.ts';
import { permissionsOf } from '../../auth/roles.ts';
import { HttpAuthType, MonitorType, SiteStatus, type Prisma, type Site } from '../../generated/prisma/client.ts';
import { PENDING_RUNTIME } from '../../engine/live-state.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../services/errors.ts';
import { countIds, pageIds, readSitePage, type InMemoryFilter } from '../../services/site-list.ts';
import type { SiteInput } from '../../services/sites.ts';
import { hasNoNul, NO_NUL } from '../../services/validate.ts';
import { builder, pageArgs, type BuilderTypes } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { byRowId, decodeId, optionalReferenceId, referenceId, targetId } from '../ids.ts';
import { LIST_LIMIT, listArgs, listWindow } from '../lists.ts';
import { siteColumnsOf } from '../site-columns.ts';
import { siteForSelection, storesAuthSecret } from '../site-selection.ts';
import { deleteMutation, IdInput } from './by-id.ts';

export const MonitorTypeEnum = builder.enumType(MonitorType, { name: 'MonitorType' });
export const SiteStatusEnum = builder.enumType(SiteStatus, { name: 'SiteStatus' });
export const DisplayStatusEnum = builder.enumType('DisplayStatus', {
  values: ['UP', 'DOWN', 'PENDING', 'LATE', 'STALE', 'SSL_EXPIRED', 'PAUSED', 'MAINTENANCE'] as const,
  description: 'SiteStatus with the PAUSED and MAINTENANCE overlays.',
});
export const HttpAuthTypeEnum = builder.enumType(HttpAuthType, { name: 'HttpAuthType' });

/** Live fields come from the engine's in-memory state, never from a DB read. */
export function liveState(ctx: GraphQLContext, siteId: number) {
  // A site the engine has not seen yet (just created, or the engine not started) shows as never checked.
  return ctx.engine.getState(siteId) ?? PENDING_RUNTIME;
}

const SECRET = { authScopes: { readSecrets: true }, unauthorizedResolver: () => null } as const;

export const SiteRef = builder.prismaNode('Site', {
  id: { field: 'id' },
  // `node(id)` answers null for an id that names nothing, rather than an error.
  nullable: true,
  findUnique: byRowId,
  // Whole rows (no type-level `select`): the column fields then resolve without the prisma plugin's planning for each
  // row, which cost more than the rest of a list; the hot `sites` read reads only the columns asked for instead.
  description: "A monitor. Configuration comes from the database; status fields are the engine's live state.",
  fields: (t) => ({
    name: t.exposeString('name'),
    type: t.expose('type', { type: MonitorTypeEnum }),
    url: t.string({
      nullable: true,
      description:
        'A password in it (a user name with no password beside it), and the values of query parameters named like credentials, are masked unless you may read secrets.',
      resolve: (s, _args, ctx) => (s.url === null || permissionsOf(ctx.viewer).readSecrets ? s.url : maskUrlSecrets(s.url)),
    }),
    hostname: t.exposeString('hostname', { nullable: true }),
    port: t.exposeInt('port', { nullable: true }),
    interval: t.exposeInt('interval', { description: 'Seconds between checks (push: the expected beat interval).' }),
    timeout: t.exposeInt('timeout', { description: 'Seconds.' }),
    maxRetries: t.exposeInt('maxRetries'),
    method: t.exposeString('method'),
    acceptedCodes: t.exposeString('acceptedCodes'),
    checkSsl: t.exposeBoolean('checkSsl'),
    expiryThreshold: t.exposeInt('expiryThreshold', { description: 'Days before certificate expiry to warn.' }),
    ignoreTls: t.exposeBoolean('ignoreTls'),
    maxRedirects: t.exposeInt('maxRedirects', { description: 'Redirects an HTTP check follows; with 0 the redirect itself is judged by `acceptedCodes`.' }),
    dnsResolveType: t.exposeString('dnsResolveType', { nullable: true }),
    dnsServer: t.exposeString('dnsServer', { nullable: true }),
    paused: t.exposeBoolean('paused'),
    description: t.exposeString('description'),
    regions: t.exposeString('regions'),
    public: t.exposeBoolean('public', { description: 'Shown on the public status page (`/status`) and in `/status/json`.' }),
    httpBody: t.exposeString('httpBody', { nullable: true, description: 'Request body (HTTP); EDITOR and ADMIN only (it may carry credentials).', ...SECRET }),
    authType: t.expose('authType', { type: HttpAuthTypeEnum }),
    authUsername: t.exposeString('authUsername', { nullable: true, description: 'EDITOR and ADMIN only, like the secret.', ...SECRET }),
    hasAuthSecret: t.boolean({
      description: 'An auth password or token is set (it is never returned).',
      resolve: (s) => storesAuthSecret(s),
    }),
    keyword: t.exposeString('keyword', { nullable: true }),
    keywordInvert: t.exposeBoolean('keywordInvert'),
    renotifyMinutes: t.exposeInt('renotifyMinutes'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    parent: t.relation('parent', { nullable: true }),
    children: t.relation('children', {
      description: `The monitors of a group, in id order, at most ${LIST_LIMIT} at a time.`,
      args: listArgs(t.arg, 'Site'),
      query: (args) => {
        const { take, afterId } = listWindow(args, 'Site');
        return { where: { id: { gt: afterId } }, take, orderBy: { id: 'asc' } };
      },
    }),
    pushToken: t.string({
      nullable: true,
      description: 'Push monitors only; EDITOR and ADMIN only.',
      ...SECRET,
      // A monitor that was a push monitor keeps its token for when it is one again; /api/push refuses it meanwhile.
      resolve: (s) => (s.type === 'PUSH' ? s.pushToken : null),
    }),
    httpHeaders: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Extra request headers; EDITOR and ADMIN only (they often carry credentials).',
      ...SECRET,
      resolve: (s) => (s.httpHeaders ? (JSON.parse(s.httpHeaders) as unknown) : null),
    }),
    status: t.field({ type: SiteStatusEnum, resolve: (s, _, ctx) => liveState(ctx, s.id).status }),
    displayStatus: t.field({ type: DisplayStatusEnum, resolve: (s, _, ctx) => ctx.engine.displayStatus(s.id) }),
    latencyMs: t.float({ nullable: true, resolve: (s, _, ctx) => liveState(ctx, s.id).latencyMs }),
    statusCode: t.int({ nullable: true, resolve: (s, _, ctx) => liveState(ctx, s.id).statusCode }),
    lastCheckAt: t.field({ type: 'DateTime', nullable: true, resolve: (s, _, ctx) => liveState(ctx, s.id).lastCheckAt }),
    lastSuccessAt: t.field({ type: 'DateTime', nullable: true, resolve: (s, _, ctx) => liveState(ctx, s.id).lastSuccessAt }),
    lastError: t.string({ nullable: true, resolve: (s, _, ctx) => liveState(ctx, s.id).lastError || null }),
    certExpiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (s, _, ctx) => liveState(ctx, s.id).certExpiresAt }),
    failureCount: t.int({ resolve: (s, _, ctx) => liveState(ctx, s.id).failureCount }),
    statusChangedAt: t.field({ type: 'DateTime', nullable: true, resolve: (s, _, ctx) => liveState(ctx, s.id).statusChangedAt }),
    inMaintenance: t.boolean({ resolve: (s, _, ctx) => ctx.engine.isInMaintenance(s.id) }),
  }),
});

export const SitePayload = builder.objectRef<{ site: Site }>('SitePayload').implement({
  fields: (t) => ({ site: t.prismaField({ type: 'Site', resolve: (query, p, _args, ctx) => siteForSelection(ctx, query, p.site) }) }),
});

const MAX_SEARCH_LENGTH = 200;

type SiteFilterArgs = { status?: readonly string[] | null; type?: readonly MonitorType[] | null; search?: string | null };

/**
 * The filters SQL can evaluate: type and search. Whoever may not read secrets searches only URLs that can hold none
 * (no userinfo, query or fragment): matching the rest would let them probe the masked credentials a letter at a time.
 */
function siteWhere(args: SiteFilterArgs, ctx: GraphQLContext): Prisma.SiteWhereInput {
  const where: Prisma.SiteWhereInput[] = [];
  if (args.type) where.push({ type: { in: [...args.type] } });
  const search = args.search?.trim();
  if (search) {
    const matches = containsIgnoringCase(ctx.db, search);
    const url: Prisma.SiteWhereInput = permissionsOf(ctx.viewer).readSecrets
      ? { url: matches }
      : { AND: [{ url: matches }, ...['@', '?', '#'].map((c) => ({ NOT: { url: { contains: c } } }))] };
    where.push({ OR: [{ name: matches }, url, { hostname: matches }, { description: matches }] });
  }
  return { AND: where };
}

/** `status` filters on the live display status, which only the engine knows: null without one. */
function statusFilter(args: SiteFilterArgs, ctx: GraphQLContext): InMemoryFilter | null {
  if (!args.status) return null;
  const wanted = new Set(args.status);
  return { where: siteWhere(args, ctx), keep: (id) => wanted.has(ctx.engine.displayStatus(id)) };
}

builder.queryFields((t) => ({
  sites: t.prismaConnection(
    {
      type: 'Site',
      cursor: 'id',
      validate: pageArgs,
      authScopes: { read: true },
      args: {
        status: t.arg({ type: [DisplayStatusEnum], required: false }),
        type: t.arg({ type: [MonitorTypeEnum], required: false }),
        search: t.arg.string({
          required: false,
          description: 'Matches name, URL, hostname or description (for whoever may not read secrets, only URLs without credentials, query or fragment).',
          // SQLite refuses a LIKE pattern past ~50,000 characters, PostgreSQL one with a NUL byte; no real search needs either.
          validate: z.string().max(MAX_SEARCH_LENGTH, `must be at most ${MAX_SEARCH_LENGTH} characters`).refine(hasNoNul, NO_NUL).nullish(),
        }),
      },
      totalCount: (_parent, args, ctx) => {
        const byStatus = statusFilter(args, ctx);
        return byStatus ? countIds(ctx.db, byStatus) : ctx.db.site.count({ where: siteWhere(args, ctx) });
      },
      resolve: async (query, _parent, args, ctx, info) => {
        const byStatus = statusFilter(args, ctx);
        // Without relations the rows need only the columns the fields read; they hold only those, which is all
        // those fields look at. Otherwise the planned query reads whole rows and their relations.
        const columns = query.include ? null : siteColumnsOf(info);
        const { cursor, take, skip, ...planned } = query;
        const selection = columns ? { select: Object.fromEntries(columns.map((c) => [c, true])) } : planned;
        if (!byStatus) {
          // The unfiltered list, what dashboards ask for, is the hot path: one hand-written statement.
          if (columns && !args.type && !args.search?.trim()) return readSitePage(ctx.db, columns, query) as Promise<Site[]>;
          return ctx.db.site.findMany({ ...selection, cursor, take, skip, where: siteWhere(args, ctx), orderBy: { id: 'asc' } }) as Promise<Site[]>;
        }
        // The page is found by a bounded scan, then read with the selection by its (at most 101) ids.
        const ids = await pageIds(ctx.db, byStatus, { cursorId: cursor?.id, take });
        return ctx.db.site.findMany({ ...selection, where: { id: { in: ids } }, orderBy: { id: 'asc' } }) as Promise<Site[]>;
      },
    },
    { name: 'SiteConnection' },
    { name: 'SiteEdge' },
  ),
  site: t.prismaField({
    type: 'Site',
    nullable: true,
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _parent, args, ctx) => {
      const id = decodeId(String(args.id), 'Site');
      return id === null ? null : ctx.db.site.findUnique({ ...query, where: { id } });
    },
  }),
}));

/** The configuration fields shared by CreateSiteInput and UpdateSiteInput. */
function siteConfigFields(t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>) {
  return {
    url: t.string({ description: 'HTTP: an absolute http(s) URL. PING/PORT/DNS: host fallback.' }),
    hostname: t.string(),
    port: t.int({ description: '1-65535.' }),
    interval: t.int({ description: 'Seconds, at least 5. Default 60.' }),
    timeout: t.int({ description: 'Seconds, 1-300. Default 5.' }),
    maxRetries: t.int({ description: 'At least 0. Default 0.' }),
    method: t.string({ description: 'Default GET.' }),
    acceptedCodes: t.string({ description: 'Codes and ranges, e.g. `200-299,301`. Default 200-299.' }),
    checkSsl: t.boolean(),
    expiryThreshold: t.int({ description: 'Days. Default 7.' }),
    ignoreTls: t.boolean(),
    maxRedirects: t.int({
      description: 'HTTP: redirects to follow, 0-10. Default 10; 0 judges the redirect itself, so `acceptedCodes: "301"` checks that it is in place.',
    }),
    dnsResolveType: t.string({ description: 'A, AAAA, MX, CNAME, TXT, NS, SOA, SRV, PTR or CAA.' }),
    dnsServer: t.string({ description: 'host, host:port or [IPv6]:port. Default 1.1.1.1.' }),
    paused: t.boolean(),
    description: t.string(),
    regions: t.string(),
    public: t.boolean({ description: 'Show the site on the public status page; default true.' }),
    httpHeaders: t.field({ type: 'JSON', description: 'An object of header names to values.' }),
    httpBody: t.string(),
    authType: t.field({ type: HttpAuthTypeEnum }),
    authUsername: t.string(),
    authSecret: t.string({ description: 'Basic-auth password or bearer token; write-only.' }),
    keyword: t.string(),
    keywordInvert: t.boolean(),
    renotifyMinutes: t.int(),
    parentId: t.id({ description: 'A GROUP site; null to move the site to the top level.' }),
    alertChannelIds: t.idList({ description: "Replaces the site's alert channels." }),
  };
}

export const CreateSiteInput = builder.inputType('CreateSiteInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    type: t.field({ type: MonitorTypeEnum, required: true }),
    ...siteConfigFields(t),
  }),
});

export const UpdateSiteInput = builder.inputType('UpdateSiteInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    type: t.field({ type: MonitorTypeEnum }),
    ...siteConfigFields(t),
  }),
});

const SetSitePausedInput = builder.inputType('SetSitePausedInput', {
  fields: (t) => ({ id: t.id({ required: true }), paused: t.boolean({ required: true }) }),
});

type SiteArgs = { parentId?: string | number | null; alertChannelIds?: readonly (string | number)[] | null } & Record<string, unknown>;

/** Turns the input's global IDs into row ids; a bad reference is a ValidationError on its field. */
function toSiteInput({ id: _id, parentId, alertChannelIds, ...rest }: SiteArgs): SiteInput {
  if (alertChannelIds === null) throw new ValidationError('alertChannelIds', 'must not be null (send [] for none)');
  return {
    ...rest,
    parentId: optionalReferenceId(parentId, 'Site', 'parentId'),
    alertChannelIds: alertChannelIds?.map((id) => referenceId(String(id), 'AlertChannel', 'alertChannelIds')),
  } as SiteInput;
}

builder.mutationFields((t) => ({
  createSite: t.field({
    type: SitePayload,
    authScopes: { edit: true },
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: CreateSiteInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ site: await ctx.services.sites.create(toSiteInput(input)) }),
  }),
  updateSite: t.field({
    type: SitePayload,
    authScopes: { edit: true },
    errors: { types: [ValidationError, NotFoundError] },
    args: { input: t.arg({ type: UpdateSiteInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      site: await ctx.services.sites.update(targetId(String(input.id), 'Site'), toSiteInput(input)),
    }),
  }),
  deleteSite: deleteMutation(t, 'Site', { authScopes: { edit: true }, remove: (id, ctx) => ctx.services.sites.remove(id) }),
  setSitePaused: t.field({
    type: SitePayload,
    authScopes: { edit: true },
    errors: { types: [NotFoundError] },
    args: { input: t.arg({ type: SetSitePausedInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ site: await ctx.services.sites.setPaused(targetId(String(input.id), 'Site'), input.paused) }),
  }),
  checkSiteNow: t.field({
    type: SitePayload,
    description: 'Checks the site now and returns it with the result; a paused site is a ConflictError.',
    authScopes: { edit: true },
    errors: { types: [NotFoundError, ConflictError] },
    args: { input: t.arg({ type: IdInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ site: await ctx.services.sites.checkNow(targetId(String(input.id), 'Site')) }),
  }),
  rotatePushToken: t.field({
    type: SitePayload,
    description: 'Gives a PUSH monitor a new push token; the old one is refused from then on (a ValidationError for other types).',
    authScopes: { edit: true },
    errors: { types: [NotFoundError, ValidationError] },
    args: { input: t.arg({ type: IdInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ site: await ctx.services.sites.rotatePushToken(targetId(String(input.id), 'Site')) }),
  }),
}));
