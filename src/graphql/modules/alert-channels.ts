import { PROVIDER_DEFINITIONS } from '../../alerts/providers/registry.ts';
import { type SettingSpec, settingSpecs } from '../../alerts/providers/setting-specs.ts';
import { AlertProvider, type AlertChannel, type AlertHealth } from '../../generated/prisma/client.ts';
import type { TestAlertResult } from '../../engine/types.ts';
import { NotFoundError, ValidationError } from '../../services/errors.ts';
import { builder } from '../builder.ts';
import { ROW_NODE, targetId } from '../ids.ts';
import { LIST_LIMIT, listArgs, listWindow } from '../lists.ts';
import { deleteMutation, IdInput } from './by-id.ts';
import { SiteRef } from './sites.ts';

export const AlertProviderEnum = builder.enumType(AlertProvider, { name: 'AlertProvider' });

type AlertHealthShape = Pick<AlertHealth, 'lastSendAt' | 'lastSendOk' | 'lastError' | 'sendCount' | 'failCount'>;

/** A channel that has never sent has no health row yet. */
const NO_SENDS: AlertHealthShape = { lastSendAt: null, lastSendOk: false, lastError: '', sendCount: 0, failCount: 0 };

const AlertHealthRef = builder.objectRef<AlertHealthShape>('AlertHealth').implement({
  fields: (t) => ({
    lastSendAt: t.expose('lastSendAt', { type: 'DateTime', nullable: true }),
    lastSendOk: t.exposeBoolean('lastSendOk'),
    lastError: t.exposeString('lastError'),
    sendCount: t.exposeInt('sendCount'),
    failCount: t.exposeInt('failCount'),
  }),
});

export const AlertChannelRef = builder.prismaNode('AlertChannel', {
  ...ROW_NODE,
  fields: (t) => ({
    name: t.exposeString('name'),
    provider: t.expose('provider', { type: AlertProviderEnum }),
    settings: t.field({
      type: 'JSON',
      description: 'Provider settings with every secret replaced by `***REDACTED***` (sending that value back keeps the secret).',
      resolve: (c, _args, ctx) => ctx.services.alertChannels.redactedSettingsOf(c),
    }),
    revealedSettings: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The settings with their secrets; EDITOR and ADMIN only.',
      authScopes: { readSecrets: true },
      unauthorizedResolver: () => null,
      resolve: (c, _args, ctx) => ctx.services.alertChannels.settingsOf(c),
    }),
    health: t.field({
      type: AlertHealthRef,
      select: { health: true },
      resolve: (c) => c.health ?? NO_SENDS,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectFields('Site', (t) => ({
  alertChannels: t.field({
    type: [AlertChannelRef],
    select: (_args, _ctx, nestedSelection) => ({
      alertChannels: { orderBy: { alertChannelId: 'asc' }, select: { alertChannel: nestedSelection(true) } },
    }),
    resolve: (site) => site.alertChannels.map((link) => link.alertChannel),
  }),
}));

builder.prismaObjectFields('AlertChannel', (t) => ({
  sites: t.field({
    type: [SiteRef],
    description: `The monitors that alert through this channel, in id order, at most ${LIST_LIMIT} at a time.`,
    args: listArgs(t.arg, 'Site'),
    select: (args, _ctx, nestedSelection) => {
      const { take, afterId } = listWindow(args, 'Site');
      return { sites: { where: { siteId: { gt: afterId } }, take, orderBy: { siteId: 'asc' }, select: { site: nestedSelection(true) } } };
    },
    resolve: (channel) => channel.sites.map((link) => link.site),
  }),
}));

builder.queryField('alertChannels', (t) =>
  t.prismaField({
    type: ['AlertChannel'],
    description: `In id order, at most ${LIST_LIMIT} at a time.`,
    authScopes: { read: true },
    args: listArgs(t.arg, 'AlertChannel'),
    resolve: (query, _root, args, ctx) => {
      const { take, afterId } = listWindow(args, 'AlertChannel');
      return ctx.db.alertChannel.findMany({ ...query, where: { id: { gt: afterId } }, orderBy: { id: 'asc' }, take });
    },
  }),
);

const AlertSettingRef = builder.objectRef<SettingSpec>('AlertSetting').implement({
  description: "One key of a provider's settings.",
  fields: (t) => ({
    key: t.exposeString('key'),
    secret: t.exposeBoolean('secret', { description: 'Read out as `***REDACTED***` in `AlertChannel.settings`.' }),
    required: t.exposeBoolean('required', { description: 'Refused when absent or blank.' }),
  }),
});

interface ProviderShape {
  provider: AlertProvider;
  settings: SettingSpec[];
}

const AlertProviderInfoRef = builder.objectRef<ProviderShape>('AlertProviderInfo').implement({
  description: 'A provider and the settings keys its channels take, from the rules `createAlertChannel` checks them with.',
  fields: (t) => ({
    provider: t.expose('provider', { type: AlertProviderEnum }),
    settings: t.expose('settings', { type: [AlertSettingRef], description: 'In the order the provider declares them.' }),
  }),
});

const PROVIDERS: readonly ProviderShape[] = PROVIDER_DEFINITIONS.map((definition) => ({
  provider: definition.provider,
  settings: settingSpecs(definition),
}));

builder.queryField('alertProviders', (t) =>
  t.field({
    type: [AlertProviderInfoRef],
    description: 'Every alert provider with its settings keys.',
    authScopes: { read: true },
    resolve: () => PROVIDERS,
  }),
);

const AlertTestResultRef = builder.objectRef<TestAlertResult>('AlertTestResult').implement({
  fields: (t) => ({ ok: t.exposeBoolean('ok'), error: t.exposeString('error') }),
});

const AlertChannelPayload = builder.objectRef<{ alertChannel: AlertChannel; test?: TestAlertResult }>('AlertChannelPayload').implement({
  fields: (t) => ({
    alertChannel: t.field({ type: AlertChannelRef, resolve: (p) => p.alertChannel }),
    test: t.field({
      type: AlertTestResultRef,
      nullable: true,
      description: 'The outcome of `testAlertChannel`.',
      resolve: (p) => p.test ?? null,
    }),
  }),
});

const CreateAlertChannelInput = builder.inputType('CreateAlertChannelInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    provider: t.field({ type: AlertProviderEnum, required: true }),
    settings: t.field({ type: 'JSON', required: true, description: 'Keys per provider as in the Go original (`url` for DISCORD, SLACK, WEBHOOK, ...).' }),
  }),
});

const UpdateAlertChannelInput = builder.inputType('UpdateAlertChannelInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    provider: t.field({ type: AlertProviderEnum }),
    settings: t.field({ type: 'JSON', description: 'Replaces the settings; `***REDACTED***` values keep the stored secret.' }),
  }),
});

builder.mutationFields((t) => ({
  createAlertChannel: t.field({
    type: AlertChannelPayload,
    authScopes: { edit: true },
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: CreateAlertChannelInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ alertChannel: await ctx.services.alertChannels.create(input) }),
  }),
  updateAlertChannel: t.field({
    type: AlertChannelPayload,
    authScopes: { edit: true },
    errors: { types: [ValidationError, NotFoundError] },
    args: { input: t.arg({ type: UpdateAlertChannelInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      alertChannel: await ctx.services.alertChannels.update(targetId(input.id, 'AlertChannel'), input),
    }),
  }),
  deleteAlertChannel: deleteMutation(t, 'AlertChannel', { authScopes: { edit: true }, remove: (id, ctx) => ctx.services.alertChannels.remove(id) }),
  testAlertChannel: t.field({
    type: AlertChannelPayload,
    description: 'Sends a test alert through the channel and reports the outcome in `test`.',
    authScopes: { edit: true },
    errors: { types: [NotFoundError] },
    args: { input: t.arg({ type: IdInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = targetId(input.id, 'AlertChannel');
      const test = await ctx.services.alertChannels.test(id);
      const alertChannel = await ctx.db.alertChannel.findUnique({ where: { id } });
      if (!alertChannel) throw new NotFoundError('AlertChannel');
      return { alertChannel, test };
    },
  }),
}));
