import { MaintenanceType, type MaintenanceWindow, type Prisma } from '../../generated/prisma/client.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../services/errors.ts';
import { builder, pageArgs } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { optionalReferenceId, ROW_NODE, targetId } from '../ids.ts';
import { deleteMutation, IdInput } from './by-id.ts';

export const MaintenanceTypeEnum = builder.enumType(MaintenanceType, {
  name: 'MaintenanceType',
  description: 'MAINTENANCE suppresses alerts; INCIDENT is informational.',
});

export const MaintenanceWindowRef = builder.prismaNode('MaintenanceWindow', {
  ...ROW_NODE,
  fields: (t) => ({
    title: t.exposeString('title'),
    description: t.exposeString('description'),
    type: t.expose('type', { type: MaintenanceTypeEnum }),
    site: t.relation('site', { nullable: true, description: 'Null: every monitor. A group covers its children.' }),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    endsAt: t.expose('endsAt', { type: 'DateTime', nullable: true, description: 'Null: until ended.' }),
    recurrence: t.exposeString('recurrence', { nullable: true, description: 'Cron expression of a recurring window.' }),
    durationMinutes: t.exposeInt('durationMinutes', { nullable: true, description: 'Length of each occurrence.' }),
    timezone: t.exposeString('timezone', { nullable: true, description: 'IANA timezone the cron is read in.' }),
    active: t.boolean({ resolve: (w, _args, ctx) => ctx.services.maintenance.isActive(w) }),
    createdBy: t.exposeString('createdBy'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('maintenanceWindows', (t) =>
  t.prismaConnection(
    {
      type: 'MaintenanceWindow',
      cursor: 'id',
      validate: pageArgs,
      description: 'Newest first.',
      authScopes: { read: true },
      args: { active: t.arg.boolean({ required: false }) },
      totalCount: async (_parent, args, ctx) => ctx.db.maintenanceWindow.count({ where: await activeWhere(args.active, ctx) }),
      resolve: async (query, _root, args, ctx) =>
        ctx.db.maintenanceWindow.findMany({ ...query, where: await activeWhere(args.active, ctx), orderBy: { id: 'desc' } }),
    },
    { name: 'MaintenanceWindowConnection' },
    { name: 'MaintenanceWindowEdge' },
  ),
);

/** Whether a recurring window is in an occurrence is decided in code, so the filter becomes an id list. */
async function activeWhere(active: boolean | null | undefined, ctx: GraphQLContext): Promise<Prisma.MaintenanceWindowWhereInput> {
  if (active === null || active === undefined) return {};
  const ids = await ctx.services.maintenance.activeIds();
  return { id: active ? { in: ids } : { notIn: ids } };
}

const MaintenanceWindowPayload = builder.objectRef<{ maintenanceWindow: MaintenanceWindow }>('MaintenanceWindowPayload').implement({
  fields: (t) => ({ maintenanceWindow: t.field({ type: MaintenanceWindowRef, resolve: (p) => p.maintenanceWindow }) }),
});

const CreateMaintenanceWindowInput = builder.inputType('CreateMaintenanceWindowInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    description: t.string(),
    type: t.field({ type: MaintenanceTypeEnum, description: 'Default MAINTENANCE.' }),
    siteId: t.id({ description: 'Absent: every monitor.' }),
    startsAt: t.field({ type: 'DateTime', description: 'Absent: now.' }),
    endsAt: t.field({ type: 'DateTime', description: 'Absent: until ended.' }),
    recurrence: t.string({ description: 'Cron expression (5 or 6 fields) for a recurring window, firing at most once a minute.' }),
    durationMinutes: t.int({ description: 'Length of each occurrence; required with recurrence.' }),
    timezone: t.string({ description: 'IANA timezone for the cron; default UTC.' }),
  }),
});

const UpdateMaintenanceWindowInput = builder.inputType('UpdateMaintenanceWindowInput', {
  description: 'An absent field is unchanged.',
  fields: (t) => ({
    id: t.id({ required: true }),
    title: t.string(),
    description: t.string(),
    type: t.field({ type: MaintenanceTypeEnum }),
    siteId: t.id({ description: 'Null: every monitor.' }),
    startsAt: t.field({ type: 'DateTime' }),
    endsAt: t.field({ type: 'DateTime', description: 'Null: until ended.' }),
    recurrence: t.string({ description: 'Null or empty: a one-off window (its durationMinutes and timezone are cleared with it).' }),
    durationMinutes: t.int(),
    timezone: t.string(),
  }),
});

builder.mutationFields((t) => ({
  createMaintenanceWindow: t.field({
    type: MaintenanceWindowPayload,
    authScopes: { edit: true },
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: CreateMaintenanceWindowInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { siteId, ...rest } = input;
      const maintenanceWindow = await ctx.services.maintenance.create({ ...rest, siteId: optionalReferenceId(siteId, 'Site', 'siteId') }, ctx.viewer!.username);
      return { maintenanceWindow };
    },
  }),
  updateMaintenanceWindow: t.field({
    type: MaintenanceWindowPayload,
    description: 'Edits a window, validated as `createMaintenanceWindow` validates a new one.',
    authScopes: { edit: true },
    errors: { types: [ValidationError, NotFoundError] },
    args: { input: t.arg({ type: UpdateMaintenanceWindowInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { id, siteId, ...rest } = input;
      const maintenanceWindow = await ctx.services.maintenance.update(targetId(id, 'MaintenanceWindow'), {
        ...rest,
        siteId: optionalReferenceId(siteId, 'Site', 'siteId'),
      });
      return { maintenanceWindow };
    },
  }),
  endMaintenanceWindow: t.field({
    type: MaintenanceWindowPayload,
    authScopes: { edit: true },
    errors: { types: [NotFoundError, ConflictError] },
    args: { input: t.arg({ type: IdInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      maintenanceWindow: await ctx.services.maintenance.end(targetId(input.id, 'MaintenanceWindow')),
    }),
  }),
  deleteMaintenanceWindow: deleteMutation(t, 'MaintenanceWindow', {
    authScopes: { edit: true },
    remove: (id, ctx) => ctx.services.maintenance.remove(id),
  }),
}));
