import { GraphQLError } from 'graphql';
import { filter, pipe } from 'graphql-yoga';
import type { CheckRecord, StateChangeRecord } from '../../engine/types.ts';
import type { Check, Site, StateChange } from '../../generated/prisma/client.ts';
import { siteUptime } from '../../services/uptime.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { decodeId, globalId } from '../ids.ts';
import { liveState, selectsOnlyColumns, siteFromConfig, SiteStatusEnum, type SiteQuery } from './sites.ts';

const DEFAULT_UPTIME_WINDOW_MS = 30 * 24 * 3600 * 1000;

/**
 * The columns the Check and StateChange types read. Events carry exactly these and no row id, which those types
 * never show, so an event passes for a row (the casts below).
 */
type CheckShape = Pick<Check, 'siteId' | 'checkedAt' | 'up' | 'status' | 'latencyMs' | 'statusCode' | 'message'>;
type StateChangeShape = Pick<StateChange, 'siteId' | 'fromStatus' | 'toStatus' | 'reason' | 'changedAt'>;

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
  checks: t.prismaConnection({
    type: 'Check',
    cursor: 'id',
    description: 'Newest first.',
    totalCount: (site, _args, ctx) => ctx.db.check.count({ where: { siteId: site.id } }),
    resolve: (query, site, _args, ctx) =>
      ctx.db.check.findMany({ ...query, where: { siteId: site.id }, orderBy: [{ checkedAt: 'desc' }, { id: 'desc' }] }),
  }, { name: 'CheckConnection' }, { name: 'CheckEdge' }),
  stateChanges: t.prismaConnection({
    type: 'StateChange',
    cursor: 'id',
    description: 'Newest first.',
    totalCount: (site, _args, ctx) => ctx.db.stateChange.count({ where: { siteId: site.id } }),
    resolve: (query, site, _args, ctx) =>
      ctx.db.stateChange.findMany({ ...query, where: { siteId: site.id }, orderBy: [{ changedAt: 'desc' }, { id: 'desc' }] }),
  }, { name: 'StateChangeConnection' }, { name: 'StateChangeEdge' }),
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

/**
 * Events that need more than the engine holds read the site once per event and selection and share it, however
 * many subscriptions ask for it (every subscriber receives the same event object from the pubsub).
 */
const eventSites = new WeakMap<object, Map<string, Promise<Site | null>>>();

/**
 * The site of an event. Fan-out runs this for every event, so columns come from the engine's copy of the site
 * without a query; a selection with relations (parent, children, channels, history), or a site the engine does not
 * know, reads the database.
 */
function eventSite(ctx: GraphQLContext, query: SiteQuery, event: { siteId: number }): Site | Promise<Site> {
  const config = ctx.engine.getSite(event.siteId);
  if (config) {
    const row = siteFromConfig(config);
    if (selectsOnlyColumns(query, row)) return row;
  }
  let bySelection = eventSites.get(event);
  if (!bySelection) {
    bySelection = new Map();
    eventSites.set(event, bySelection);
  }
  const key = JSON.stringify(query);
  let read = bySelection.get(key);
  if (!read) {
    read = ctx.db.site.findUnique({ ...query, where: { id: event.siteId } });
    bySelection.set(key, read);
  }
  return read.then((site) => {
    if (!site) throw new GraphQLError('the site of this event has been deleted');
    return site;
  });
}

/** `siteIds` as row ids; absent means every site. At most `max` of them: every one is held for the subscription's life. */
function siteFilter(siteIds: readonly (string | number)[] | null | undefined, max: number): ((e: { siteId: number }) => boolean) | null {
  if (!siteIds) return null;
  if (siteIds.length > max) throw new GraphQLError(`siteIds: at most ${max} (UPTOP_MAX_SUBSCRIPTION_SITES)`, { extensions: { code: 'BAD_USER_INPUT' } });
  const ids = new Set(
    siteIds.map((raw) => {
      const id = decodeId(String(raw), 'Site');
      if (id === null) throw new GraphQLError(`siteIds: "${raw}" is not a Site id`, { extensions: { code: 'BAD_USER_INPUT' } });
      return id;
    }),
  );
  return (e) => ids.has(e.siteId);
}

function subscribeFiltered<T extends { siteId: number }>(ctx: GraphQLContext, source: AsyncIterable<T>, siteIds: readonly (string | number)[] | null | undefined) {
  const keep = siteFilter(siteIds, ctx.config.limits.subscriptionSiteIds);
  return keep ? pipe(source, filter((e: T) => keep(e))) : source;
}

const StateChangeEventRef = builder.objectRef<StateChangeRecord>('StateChangeEvent').implement({
  fields: (t) => ({
    site: t.prismaField({ type: 'Site', resolve: (query, e, _args, ctx) => eventSite(ctx, query, e) }),
    change: t.field({
      type: StateChangeRef,
      resolve: (e) => {
        const change: StateChangeShape = { siteId: e.siteId, fromStatus: e.from, toStatus: e.to, reason: e.reason, changedAt: e.changedAt };
        return change as StateChange;
      },
    }),
  }),
});

const CheckEventRef = builder.objectRef<CheckRecord>('CheckEvent').implement({
  fields: (t) => ({
    site: t.prismaField({ type: 'Site', resolve: (query, e, _args, ctx) => eventSite(ctx, query, e) }),
    check: t.field({ type: CheckRef, resolve: (e) => (e satisfies CheckShape) as Check }),
  }),
});

builder.subscriptionFields((t) => ({
  siteStatusChanged: t.field({
    type: StateChangeEventRef,
    description: 'Every recorded state change, optionally only for some sites.',
    authScopes: { read: true },
    args: { siteIds: t.arg.idList({ required: false }) },
    subscribe: (_root, args, ctx) => ctx.subscriptions.track(subscribeFiltered(ctx, ctx.pubsub.subscribe('site:statusChanged'), args.siteIds)),
    resolve: (event) => event,
  }),
  checkCompleted: t.field({
    type: CheckEventRef,
    description: 'Every completed check and accepted heartbeat, optionally only for some sites.',
    authScopes: { read: true },
    args: { siteIds: t.arg.idList({ required: false }) },
    subscribe: (_root, args, ctx) => ctx.subscriptions.track(subscribeFiltered(ctx, ctx.pubsub.subscribe('site:checkCompleted'), args.siteIds)),
    resolve: (event) => event,
  }),
}));
