import { GraphQLError } from 'graphql';
import type { Check, StateChange } from '../../generated/prisma/client.ts';
import { siteUptime } from '../../services/uptime.ts';
import { builder } from '../builder.ts';
import { globalId } from '../ids.ts';
import { liveState, SiteStatusEnum } from './sites.ts';

const DEFAULT_UPTIME_WINDOW_MS = 30 * 24 * 3600 * 1000;

/**
 * The columns the Check and StateChange types read. Events carry exactly these and no row id, which those types
 * never show, so an event passes for a row (the casts in site-events.ts).
 */
export type CheckShape = Pick<Check, 'siteId' | 'checkedAt' | 'up' | 'status' | 'latencyMs' | 'statusCode' | 'message'>;
export type StateChangeShape = Pick<StateChange, 'siteId' | 'fromStatus' | 'toStatus' | 'reason' | 'changedAt'>;

export const CheckRef = builder.prismaObject('Check', {
  description: 'One completed check or accepted heartbeat.',
  fields: (t) => ({
    siteId: t.id({ resolve: (c) => globalId('Site', c.siteId) }),
    checkedAt: t.expose('checkedAt', { type: 'DateTime' }),
    up: t.exposeBoolean('up'),
    status: t.expose('status', { type: SiteStatusEnum }),
    latencyMs: t.exposeFloat('latencyMs', { nullable: true }),
    statusCode: t.exposeInt('statusCode', { nullable: true }),
    message: t.exposeString('message', { nullable: true }),
  }),
});

export const StateChangeRef = builder.prismaObject('StateChange', {
  description: 'A recorded status transition (never one from PENDING).',
  fields: (t) => ({
    siteId: t.id({ resolve: (c) => globalId('Site', c.siteId) }),
    from: t.expose('fromStatus', { type: SiteStatusEnum }),
    to: t.expose('toStatus', { type: SiteStatusEnum }),
    reason: t.exposeString('reason'),
    changedAt: t.expose('changedAt', { type: 'DateTime' }),
  }),
});

const UptimeReportRef = builder.objectRef<Awaited<ReturnType<typeof siteUptime>>>('UptimeReport').implement({
  description: 'Availability over a window: only DOWN and SSL_EXPIRED count as downtime.',
  fields: (t) => ({
    uptimePercent: t.exposeFloat('uptimePercent'),
    downtimeSeconds: t.exposeFloat('downtimeSeconds'),
    outageCount: t.exposeInt('outageCount'),
    longestOutageSeconds: t.exposeFloat('longestOutageSeconds'),
    mttrSeconds: t.exposeFloat('mttrSeconds', { nullable: true, description: 'Mean time to recovery.' }),
    mtbfSeconds: t.exposeFloat('mtbfSeconds', { nullable: true, description: 'Mean time between failures.' }),
  }),
});

/**
 * `Site.checks` and `Site.stateChanges` read their own page, rather than joining the parent's query as a related
 * connection would: the parent plans its query before this field's arguments are validated, so a bad cursor would
 * fail the parent `site` (with Prisma's error) instead of this field with BAD_USER_INPUT. One indexed read per site.
 */
builder.prismaObjectFields('Site', (t) => ({
  checks: t.prismaConnection(
    {
      type: 'Check',
      cursor: 'id',
      description: 'Newest first.',
      totalCount: (site, _args, ctx) => ctx.db.check.count({ where: { siteId: site.id } }),
      resolve: (query, site, _args, ctx) => ctx.db.check.findMany({ ...query, where: { siteId: site.id }, orderBy: [{ checkedAt: 'desc' }, { id: 'desc' }] }),
    },
    { name: 'CheckConnection' },
    { name: 'CheckEdge' },
  ),
  stateChanges: t.prismaConnection(
    {
      type: 'StateChange',
      cursor: 'id',
      description: 'Newest first.',
      totalCount: (site, _args, ctx) => ctx.db.stateChange.count({ where: { siteId: site.id } }),
      resolve: (query, site, _args, ctx) =>
        ctx.db.stateChange.findMany({ ...query, where: { siteId: site.id }, orderBy: [{ changedAt: 'desc' }, { id: 'desc' }] }),
    },
    { name: 'StateChangeConnection' },
    { name: 'StateChangeEdge' },
  ),
  uptime: t.field({
    type: UptimeReportRef,
    description: 'Defaults to the last 30 days; a `to` in the future is read as now.',
    args: {
      from: t.arg({ type: 'DateTime', required: false }),
      to: t.arg({ type: 'DateTime', required: false }),
    },
    resolve: (site, args, ctx) => {
      // Nothing is known past now: a window reaching into the future would count the current status forward.
      const now = ctx.clock.now();
      const to = args.to && args.to.getTime() < now.getTime() ? args.to : now;
      const from = args.from ?? new Date(to.getTime() - DEFAULT_UPTIME_WINDOW_MS);
      if (from.getTime() >= to.getTime()) throw new GraphQLError('uptime: "from" must be before "to"', { extensions: { code: 'BAD_USER_INPUT' } });
      return siteUptime(ctx.db, site.id, liveState(ctx, site.id).status, from, to);
    },
  }),
}));
