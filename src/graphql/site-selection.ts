import { GraphQLError } from 'graphql';
import type { PublicSiteConfig } from '../engine/types.ts';
import type { Prisma, Site } from '../generated/prisma/client.ts';
import type { GraphQLContext } from './context.ts';

/** The planned query of a field that returns a Site: whole rows, with the relations its selection reads. */
export interface SiteQuery {
  include?: Prisma.SiteInclude;
}

/** The selection reads no relation, so a whole row answers it without a query. */
export function selectsOnlyColumns(query: SiteQuery): boolean {
  return query.include === undefined || Object.keys(query.include).length === 0;
}

/**
 * A Site for a field whose row is already in hand (what a mutation wrote): the row itself when the selection asks
 * only for columns; otherwise the row read again with the selection, so its relations load in that one query.
 */
export async function siteForSelection(ctx: GraphQLContext, query: SiteQuery, row: Site): Promise<Site> {
  if (selectsOnlyColumns(query)) return row;
  const site = await ctx.db.site.findUnique({ ...query, where: { id: row.id } });
  if (!site) throw new GraphQLError('the site has been deleted');
  return site;
}

/**
 * Whether a Site has an auth secret stored. The Site type reads the secret's column only for this, so the engine's
 * copy of a site, which says so instead of holding the secret, answers it as well as a row.
 */
export function storesAuthSecret(site: Pick<Site, 'authSecret'> | Pick<PublicSiteConfig, 'hasAuthSecret'>): boolean {
  return 'hasAuthSecret' in site ? site.hasAuthSecret : site.authSecret !== null;
}

/**
 * The engine's copy of a site when it answers the selection without a query: only columns, the secret's through
 * `storesAuthSecret`. It then stands for the Site row, which it is but for the secret's column.
 */
export function engineSiteFor(ctx: GraphQLContext, query: SiteQuery, siteId: number): Site | undefined {
  const known = ctx.engine.getSite(siteId);
  if (!known || !selectsOnlyColumns(query)) return undefined;
  return known as Omit<PublicSiteConfig, 'hasAuthSecret'> as Site;
}
