import { ApiTokenScope, type ApiToken } from '../../generated/prisma/client.ts';
import { deleteNode, probeNodeStatus } from '../../probes/nodes.ts';
import { latestProbeResults, type ProbeResultRow } from '../../probes/results.ts';
import { createProbeToken } from '../../probes/tokens.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../services/errors.ts';
import { builder } from '../builder.ts';
import { SiteStatusEnum } from './sites.ts';
import { ApiTokenRef } from './users.ts';

const ApiTokenScopeEnum = builder.enumType(ApiTokenScope, {
  name: 'ApiTokenScope',
  description: "API: the GraphQL API and plain routes with the owner's rights; PROBE: only a regional probe's endpoints (/api/probe/*).",
});

builder.prismaObjectField('ApiToken', 'scope', (t) => t.expose('scope', { type: ApiTokenScopeEnum }));

builder.prismaObjectFields('Check', (t) => ({
  nodeId: t.string({
    description: "The regional probe that took the check; empty for the server's own checks and heartbeats.",
    // Events pass for rows (history.ts) and carry a node id only from a probe.
    resolve: (check) => check.nodeId ?? '',
  }),
}));

const ProbeNodeStatusEnum = builder.enumType('ProbeNodeStatus', {
  values: ['ONLINE', 'STALE', 'OFFLINE'] as const,
  description: "As the Go original's console shows it: ONLINE when seen within a minute, STALE within five, else OFFLINE.",
});

const ProbeNodeRef = builder.prismaObject('ProbeNode', {
  description: 'A regional probe (`uptop probe`, or a Go probe) as it registered; seen whenever it fetches assignments or reports.',
  fields: (t) => ({
    nodeId: t.exposeString('id', { description: 'The id it registered with (`--node-id`).' }),
    name: t.exposeString('name'),
    region: t.exposeString('region', { description: 'Empty for a probe without a region: it checks only sites without regions.' }),
    version: t.exposeString('version'),
    lastSeen: t.expose('lastSeen', { type: 'DateTime' }),
    status: t.field({ type: ProbeNodeStatusEnum, resolve: (node, _args, ctx) => probeNodeStatus(node.lastSeen, ctx.clock.now()) }),
  }),
});

const ProbeResultRef = builder.objectRef<ProbeResultRow>('ProbeResult').implement({
  description: "A probe's newest result for a site, as it reported it.",
  fields: (t) => ({
    nodeId: t.string({ resolve: (r) => r.check.nodeId }),
    node: t.field({ type: ProbeNodeRef, nullable: true, description: 'Null when the node is no longer registered.', resolve: (r) => r.node }),
    region: t.string({ description: "The node's region now.", resolve: (r) => r.node?.region ?? '' }),
    up: t.boolean({ resolve: (r) => r.check.up }),
    status: t.field({ type: SiteStatusEnum, resolve: (r) => r.check.status }),
    latencyMs: t.float({ nullable: true, resolve: (r) => r.check.latencyMs }),
    statusCode: t.int({ nullable: true, resolve: (r) => r.check.statusCode }),
    checkedAt: t.field({ type: 'DateTime', resolve: (r) => r.check.checkedAt }),
    error: t.string({ nullable: true, description: 'Why it was down.', resolve: (r) => r.check.message }),
  }),
});

builder.prismaObjectFields('Site', (t) => ({
  probeResults: t.field({
    type: [ProbeResultRef],
    description:
      "Each regional probe's newest result for the site among those that still count towards its status (taken within max(3 × interval, 60 s)), by region; empty when no probe checks it.",
    authScopes: { read: true },
    resolve: (site, _args, ctx) => latestProbeResults(ctx.db, site, ctx.clock.now()),
  }),
}));

builder.queryFields((t) => ({
  probeNodes: t.prismaField({
    type: ['ProbeNode'],
    description: 'The regional probes that registered, by region and id.',
    authScopes: { read: true },
    resolve: (query, _root, _args, ctx) => ctx.db.probeNode.findMany({ ...query, orderBy: [{ region: 'asc' }, { id: 'asc' }] }),
  }),
}));

const ProbeTokenPayload = builder.objectRef<{ token: string; apiToken: ApiToken }>('ProbeTokenPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: "Shown only this once: `uptop probe --token`, or a Go probe's UPTOP_CLUSTER_SECRET." }),
    apiToken: t.field({ type: ApiTokenRef, description: 'Revoke it with `revokeApiToken`.', resolve: (p) => p.apiToken }),
  }),
});

const CreateProbeTokenInput = builder.inputType('CreateProbeTokenInput', {
  fields: (t) => ({ name: t.string({ required: true, description: 'What the probe is, e.g. its node id.' }) }),
});

const DeleteProbeNodeInput = builder.inputType('DeleteProbeNodeInput', {
  fields: (t) => ({ nodeId: t.string({ required: true }) }),
});

const DeleteProbeNodePayload = builder.objectRef<{ deletedNodeId: string }>('DeleteProbeNodePayload').implement({
  fields: (t) => ({ deletedNodeId: t.exposeString('deletedNodeId') }),
});

builder.mutationFields((t) => ({
  createProbeToken: t.field({
    type: ProbeTokenPayload,
    description:
      'ADMIN: a token for a regional probe, yours: it opens only /api/probe/*, never the API, and stops with `revokeApiToken`, your ADMIN role or your account. Counts against UPTOP_API_TOKENS_PER_USER (ConflictError).',
    authScopes: { admin: true },
    errors: { types: [ValidationError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: CreateProbeTokenInput, required: true }) },
    resolve: (_root, { input }, ctx) => createProbeToken(ctx, ctx.viewer!, input),
  }),
  deleteProbeNode: t.field({
    type: DeleteProbeNodePayload,
    description:
      'ADMIN: forgets a probe node taken down for good; its checks stay as history. A probe still running under the id registers it again: revoke its token first.',
    authScopes: { admin: true },
    errors: { types: [NotFoundError] },
    args: { input: t.arg({ type: DeleteProbeNodeInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await deleteNode(ctx.writer, input.nodeId);
      return { deletedNodeId: input.nodeId };
    },
  }),
}));
