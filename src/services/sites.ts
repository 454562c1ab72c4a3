import { randomBytes } from 'node:crypto';
import type { Site } from '../generated/prisma/client.ts';
import { removalTimeoutMs, removeSites } from '../writer/remove-sites.ts';
import type { Tx } from '../writer/types.ts';
import { notifyEngine, type ServiceDeps } from './deps.ts';
import { CheckElsewhereError } from '../engine/errors.ts';
import { CheckElsewhereUnavailableError, ConflictError, NotFoundError, ValidationError } from './errors.ts';
import { SITE_DEFAULTS, type SiteConfig, type SiteFieldsInput, siteConfigOf } from './site-config.ts';

/** What a caller may send: every field optional, null clears (validated by `siteConfigOf`). */
export type SiteInput = { [K in keyof SiteFieldsInput]?: SiteFieldsInput[K] | null };

export interface SiteService {
  create(input: SiteInput): Promise<Site>;
  update(id: number, input: SiteInput): Promise<Site>;
  remove(id: number): Promise<void>;
  setPaused(id: number, paused: boolean): Promise<Site>;
  /**
   * Runs a check at once and resolves when its result is applied; a paused site is a ConflictError. A site another
   * instance checks is checked there; a CheckElsewhereUnavailableError (a ConflictError) when it cannot be reached.
   */
  checkNow(id: number): Promise<Site>;
  /** A new push token for a push monitor; the old one is refused from the moment this resolves. */
  rotatePushToken(id: number): Promise<Site>;
}

/** 32 hex characters from 16 random bytes, as in the Go original; replaced only by `rotatePushToken`. */
export function newPushToken(): string {
  return randomBytes(16).toString('hex');
}

function configOf(site: Site): SiteConfig {
  const config = { name: site.name, type: site.type } as SiteConfig;
  for (const key of Object.keys(SITE_DEFAULTS) as (keyof typeof SITE_DEFAULTS)[]) {
    (config as Record<string, unknown>)[key] = site[key];
  }
  return config;
}

/** Parent and channel references, checked inside the write so nothing changes between check and write. */
async function checkReferences(tx: Tx, config: SiteConfig, selfId: number | null, alertChannelIds: number[] | undefined): Promise<void> {
  if (config.parentId !== null) {
    if (config.parentId === selfId) throw new ValidationError('parentId', 'a site cannot be its own parent');
    const parent = await tx.site.findUnique({ where: { id: config.parentId }, select: { type: true } });
    if (!parent) throw new ValidationError('parentId', 'no such site');
    if (parent.type !== 'GROUP') throw new ValidationError('parentId', 'the parent must be a GROUP monitor');
  }
  if (selfId !== null && config.type !== 'GROUP' && (await tx.site.count({ where: { parentId: selfId } })) > 0) {
    throw new ValidationError('type', 'this group still contains monitors; move them out before changing its type');
  }
  if (alertChannelIds?.length) {
    const unique = [...new Set(alertChannelIds)];
    const found = await tx.alertChannel.findMany({ where: { id: { in: unique } }, select: { id: true } });
    if (found.length !== unique.length) {
      const known = new Set(found.map((c) => c.id));
      const position = alertChannelIds.findIndex((id) => !known.has(id));
      throw new ValidationError('alertChannelIds', `no alert channel with the id at position ${position}`);
    }
  }
}

function channelLinks(ids: number[]) {
  return [...new Set(ids)].map((alertChannelId) => ({ alertChannelId }));
}

export function createSiteService(deps: ServiceDeps): SiteService {
  const { db, writer, engine, clock, secretBox } = deps;

  async function find(id: number): Promise<Site> {
    const site = await db.site.findUnique({ where: { id } });
    if (!site) throw new NotFoundError('Site');
    return site;
  }

  return {
    async create(input) {
      const {
        fields: { alertChannelIds = [] },
        config,
      } = siteConfigOf(SITE_DEFAULTS, input);
      const now = clock.now();
      const site = await writer.submit(async (tx) => {
        await checkReferences(tx, config, null, alertChannelIds);
        return tx.site.create({
          data: {
            ...config,
            authSecret: config.authSecret === null ? null : secretBox.seal(config.authSecret),
            pushToken: config.type === 'PUSH' ? newPushToken() : null,
            createdAt: now,
            updatedAt: now,
            alertChannels: { create: channelLinks(alertChannelIds) },
          },
        });
      });
      await notifyEngine(deps, 'siteChanged', () => engine.siteChanged(site.id));
      return site;
    },

    async update(id, input) {
      const site = await writer.submit(async (tx) => {
        const current = await tx.site.findUnique({ where: { id } });
        if (!current) throw new NotFoundError('Site');
        const {
          fields: { alertChannelIds, ...fields },
          config,
        } = siteConfigOf(configOf(current), input);
        await checkReferences(tx, config, id, alertChannelIds);
        return tx.site.update({
          where: { id },
          data: {
            ...fields,
            ...(fields.authSecret !== undefined && { authSecret: fields.authSecret === null ? null : secretBox.seal(fields.authSecret) }),
            ...(config.type === 'PUSH' && !current.pushToken && { pushToken: newPushToken() }),
            updatedAt: clock.now(),
            ...(alertChannelIds && { alertChannels: { deleteMany: {}, create: channelLinks(alertChannelIds) } }),
          },
        });
      });
      await notifyEngine(deps, 'siteChanged', () => engine.siteChanged(id));
      return site;
    },

    async remove(id) {
      const removed = await writer.submit(
        async (tx) => {
          const site = await tx.site.findUnique({
            where: { id },
            select: { children: { select: { id: true } }, _count: { select: { maintenanceWindows: true } } },
          });
          if (!site) throw new NotFoundError('Site');
          // Foreign keys cascade to channel links, windows and runtime state; children lose their parent.
          await removeSites(tx, [id]);
          return site;
        },
        { timeoutMs: removalTimeoutMs(1) },
      );
      await notifyEngine(deps, 'siteRemoved', () => engine.siteRemoved(id));
      for (const child of removed.children) await notifyEngine(deps, 'siteChanged', () => engine.siteChanged(child.id));
      if (removed._count.maintenanceWindows > 0) await notifyEngine(deps, 'maintenanceChanged', () => engine.maintenanceChanged());
    },

    async setPaused(id, paused) {
      const site = await writer.submit(async (tx) => {
        const { count } = await tx.site.updateMany({ where: { id }, data: { paused, updatedAt: clock.now() } });
        if (count === 0) throw new NotFoundError('Site');
        return tx.site.findUniqueOrThrow({ where: { id } });
      });
      await notifyEngine(deps, 'siteChanged', () => engine.siteChanged(id));
      return site;
    },

    async rotatePushToken(id) {
      const site = await writer.submit(async (tx) => {
        const current = await tx.site.findUnique({ where: { id }, select: { type: true } });
        if (!current) throw new NotFoundError('Site');
        if (current.type !== 'PUSH') throw new ValidationError('id', 'only a PUSH monitor has a push token');
        return tx.site.update({ where: { id }, data: { pushToken: newPushToken(), updatedAt: clock.now() } });
      });
      // The engine's token index answers /api/push; it swaps the tokens before this returns.
      await notifyEngine(deps, 'siteChanged', () => engine.siteChanged(id));
      return site;
    },

    async checkNow(id) {
      // The engine does not check a paused site, so the payload would report a check that never ran.
      if ((await find(id)).paused) throw new ConflictError('the site is paused; resume it before checking it');
      try {
        await engine.checkNow(id);
      } catch (err) {
        // Another instance checks it and could not be asked: the check did not run, which success would hide.
        if (err instanceof CheckElsewhereError) throw new CheckElsewhereUnavailableError(err.message);
        throw err;
      }
      return find(id);
    },
  };
}
