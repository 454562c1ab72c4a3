import type { ApplyResult, PlanChange } from '../../config-as-code/index.ts';
import { ConflictError, ValidationError } from '../../services/errors.ts';
import { builder } from '../builder.ts';

/* Config as code over the API, so a CI pipeline can apply uptop.yaml to a running server (ADMIN only: the file
   replaces alert channels and monitors wholesale, and an export holds every secret in plain text). */

const ConfigChangeActionEnum = builder.enumType('ConfigChangeAction', { values: ['CREATE', 'UPDATE', 'DELETE'] as const });
const ConfigChangeKindEnum = builder.enumType('ConfigChangeKind', { values: ['ALERT', 'MONITOR', 'MAINTENANCE'] as const });
const ConfigFormatEnum = builder.enumType('ConfigFormat', { values: ['YAML', 'JSON'] as const });

const ConfigChangeRef = builder.objectRef<PlanChange>('ConfigChange').implement({
  description: 'One row the apply creates, updates or deletes; alerts and monitors are matched by name, windows by title.',
  fields: (t) => ({
    action: t.field({ type: ConfigChangeActionEnum, resolve: (c) => c.action.toUpperCase() as 'CREATE' | 'UPDATE' | 'DELETE' }),
    kind: t.field({ type: ConfigChangeKindEnum, resolve: (c) => c.kind.toUpperCase() as 'ALERT' | 'MONITOR' | 'MAINTENANCE' }),
    name: t.exposeString('name'),
    fields: t.stringList({
      description: 'The fields of the file an update changes (`interval`, `settings.url`); empty for a create or delete. Never values.',
      resolve: (c) => c.changes ?? [],
    }),
  }),
});

const ApplyConfigPayload = builder.objectRef<ApplyResult>('ApplyConfigPayload').implement({
  fields: (t) => ({
    changes: t.field({ type: [ConfigChangeRef], resolve: (r) => r.changes }),
    summary: t.exposeString('summary', { description: '`2 to create, 1 to update, 0 to delete`, or `No changes`.' }),
    applied: t.exposeBoolean('applied', { description: 'False for a dry run: the changes were planned, not made.' }),
  }),
});

const ApplyConfigInput = builder.inputType('ApplyConfigInput', {
  fields: (t) => ({
    yaml: t.string({ required: true, description: 'The config file (YAML or JSON), as `uptop apply -f` reads it.' }),
    fileName: t.string({ defaultValue: 'uptop.yaml', description: 'The name error messages give the file.' }),
    dryRun: t.boolean({ defaultValue: false, description: 'Plan only; nothing is written.' }),
    prune: t.boolean({ defaultValue: false, description: 'Delete the alerts, monitors and maintenance windows the file does not name.' }),
  }),
});

builder.mutationField('applyConfig', (t) =>
  t.field({
    type: ApplyConfigPayload,
    description:
      'Applies a config file in one transaction: all of it or, on any error, nothing. Validation errors name `uptop.yaml:<line>` and the field path.',
    authScopes: { admin: true },
    errors: { types: [ValidationError, ConflictError] },
    args: { input: t.arg({ type: ApplyConfigInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.services.configAsCode.apply({
        text: input.yaml,
        fileName: input.fileName ?? 'uptop.yaml',
        dryRun: input.dryRun ?? false,
        prune: input.prune ?? false,
        actor: ctx.viewer!.username,
      }),
  }),
);

builder.queryField('exportConfig', (t) =>
  t.string({
    description: 'The database as a config file that applies as no change. It holds alert settings and HTTP auth secrets in plain text.',
    authScopes: { admin: true },
    args: { format: t.arg({ type: ConfigFormatEnum, defaultValue: 'YAML' }) },
    resolve: (_root, { format }, ctx) => ctx.services.configAsCode.export(format === 'JSON' ? 'json' : 'yaml'),
  }),
);
