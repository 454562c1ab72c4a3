import { GraphQLError } from 'graphql';
import { filter, pipe } from 'graphql-yoga';
import type { CheckRecord, SiteChangeRecord, StateChangeRecord } from '../../engine/types.ts';
import type { Check, Site, StateChange } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { decodeId, globalId } from '../ids.ts';
import { engineSiteFor, type SiteQuery } from '../site-selection.ts';
import { CheckRef, StateChangeRef, type CheckShape, type StateChangeShape } from './history.ts';

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
  const known = engineSiteFor(ctx, query, event.siteId);
  if (known) return known;
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

function subscribeFiltered<T extends { siteId: number }>(
  ctx: GraphQLContext,
  source: AsyncIterable<T>,
  siteIds: readonly (string | number)[] | null | undefined,
) {
  const keep = siteFilter(siteIds, ctx.config.limits.subscriptionSiteIds);
  return keep
    ? pipe(
        source,
        filter((e: T) => keep(e)),
      )
    : source;
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
    check: t.field({ type: CheckRef, resolve: (e) => e satisfies CheckShape as Check }),
  }),
});

const SiteChangeEventRef = builder.objectRef<SiteChangeRecord>('SiteChangeEvent').implement({
  fields: (t) => ({
    siteId: t.id({ resolve: (e) => globalId('Site', e.siteId) }),
    site: t.prismaField({
      type: 'Site',
      nullable: true,
      description: 'The site as it is now; null once deleted.',
      // Read as the event is delivered: a delete that followed the change is null too, not an error.
      resolve: (query, e, _args, ctx) =>
        e.removed ? null : (engineSiteFor(ctx, query, e.siteId) ?? ctx.db.site.findUnique({ ...query, where: { id: e.siteId } })),
    }),
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
  siteChanged: t.field({
    type: SiteChangeEventRef,
    description:
      "Every change to a site's configuration (created, edited, paused or resumed, deleted), optionally only for some sites: what status events do not carry.",
    authScopes: { read: true },
    args: { siteIds: t.arg.idList({ required: false }) },
    subscribe: (_root, args, ctx) => ctx.subscriptions.track(subscribeFiltered(ctx, ctx.pubsub.subscribe('site:changed'), args.siteIds)),
    resolve: (event) => event,
  }),
}));
