import type { Prisma } from '../generated/prisma/client.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { forEachInSteps, turns } from '../turns.ts';
import { removalTimeoutMs, removeSites } from '../writer/remove-sites.ts';
import type { Tx } from '../writer/types.ts';
import { insertRows, ROWS_PER_STATEMENT } from './insert.ts';
import { planImport, type ImportPlan, type PlannedSite } from './plan.ts';

export interface ImportOptions {
  /** Creates the backup's users that do not exist yet (the CLI); over HTTP users are left alone, as in Go. */
  includeUsers: boolean;
}

export interface ImportSummary {
  sites: number;
  alerts: number;
  maintenanceWindows: number;
  /** Users created (locked until `uptop user passwd`) and already present (left unchanged); null when excluded. */
  users: { created: number; existing: number } | null;
}

/**
 * A password hash that no password matches (`verifyPassword` refuses any malformed hash): an imported user signs in
 * only after an administrator sets a password, since backups never carry password hashes.
 */
const LOCKED_PASSWORD = '!locked';

/** A site's row, every column named in one order (the statement's columns come from the first row). */
function siteRow({ id, config: c, pushToken, createdAt, updatedAt }: PlannedSite, authSecret: string | null, now: Date) {
  return {
    id,
    name: c.name,
    type: c.type,
    url: c.url,
    hostname: c.hostname,
    port: c.port,
    interval: c.interval,
    timeout: c.timeout,
    maxRetries: c.maxRetries,
    method: c.method,
    acceptedCodes: c.acceptedCodes,
    checkSsl: c.checkSsl,
    expiryThreshold: c.expiryThreshold,
    ignoreTls: c.ignoreTls,
    maxRedirects: c.maxRedirects,
    dnsResolveType: c.dnsResolveType,
    dnsServer: c.dnsServer,
    paused: c.paused,
    description: c.description,
    regions: c.regions,
    pushToken,
    httpHeaders: c.httpHeaders,
    httpBody: c.httpBody,
    authType: c.authType,
    authUsername: c.authUsername,
    authSecret,
    keyword: c.keyword,
    keywordInvert: c.keywordInvert,
    renotifyMinutes: c.renotifyMinutes,
    parentId: c.parentId,
    createdAt: createdAt ?? now,
    updatedAt: updatedAt ?? now,
    public: c.public,
  } satisfies Required<Omit<Prisma.SiteCreateManyInput, 'parent'>>;
}

/**
 * Every table an import replaces: the sites with their history (removeSites), then what is not a site's, a statement
 * per step. One statement per table held the event loop for 4.8 s over 1,000 sites with a year of rollups.
 */
async function wipe(tx: Tx): Promise<void> {
  await removeSites(
    tx,
    (await tx.site.findMany({ select: { id: true } })).map((site) => site.id),
  );
  const deletes = [() => tx.maintenanceWindow.deleteMany(), () => tx.alertHealth.deleteMany(), () => tx.alertChannel.deleteMany()];
  for (const remove of deletes) {
    await turns.next();
    await remove();
  }
}

async function write(tx: Tx, plan: ImportPlan, deps: Pick<ServiceDeps, 'clock' | 'secretBox'>): Promise<ImportSummary['users']> {
  const { secretBox } = deps;
  const now = deps.clock.now();
  await wipe(tx);
  // One literal per table (see insertRows), its keys checked against the model's.
  await insertRows(
    tx,
    'AlertChannel',
    plan.channels.map(
      (c) =>
        ({
          id: c.id,
          name: c.name,
          provider: c.provider,
          settings: secretBox.seal(JSON.stringify(c.settings)),
          createdAt: c.createdAt ?? now,
          updatedAt: c.updatedAt ?? now,
        }) satisfies Prisma.AlertChannelCreateManyInput,
    ),
  );
  // Groups first: a child's parent must exist when the child is inserted.
  const ordered = [...plan.sites].sort((a, b) => Number(b.config.type === 'GROUP') - Number(a.config.type === 'GROUP'));
  // In steps: sealing a secret takes some 8 µs, 80 ms for 10,000 sites that all have one.
  const siteRows: ReturnType<typeof siteRow>[] = [];
  await forEachInSteps(ordered, ROWS_PER_STATEMENT, (site) => {
    siteRows.push(siteRow(site, site.config.authSecret === null ? null : secretBox.seal(site.config.authSecret), now));
  });
  await insertRows(tx, 'Site', siteRows);
  await insertRows(
    tx,
    'SiteAlertChannel',
    plan.sites.flatMap((s) => s.alertChannelIds.map((alertChannelId) => ({ siteId: s.id, alertChannelId }) satisfies Prisma.SiteAlertChannelCreateManyInput)),
  );
  await insertRows(
    tx,
    'MaintenanceWindow',
    plan.windows.map(
      (w) =>
        ({
          id: w.id,
          title: w.title,
          description: w.description,
          type: w.type,
          siteId: w.siteId,
          startsAt: w.startsAt,
          endsAt: w.endsAt,
          recurrence: w.recurrence,
          durationMinutes: w.durationMinutes,
          timezone: w.timezone,
          createdBy: w.createdBy,
          createdAt: w.createdAt,
        }) satisfies Required<Prisma.MaintenanceWindowCreateManyInput>,
    ),
  );
  if (!plan.users) return null;
  const existing = new Set((await tx.user.findMany({ select: { username: true } })).map((u) => u.username));
  const missing = plan.users.filter((u) => !existing.has(u.username));
  await tx.user.createMany({ data: missing.map((u) => ({ ...u, passwordHash: LOCKED_PASSWORD, createdAt: now, updatedAt: now })) });
  return { created: missing.length, existing: plan.users.length - missing.length };
}

/**
 * Replaces sites, alert channels, their links, maintenance windows and all history with a backup's (wipe and
 * replace, ids kept), in one transaction through the writer, after checking the whole backup: a backup with any
 * problem changes nothing and throws a ValidationError listing them. The engine drops its sites first and loads the
 * new ones once the transaction has committed (EngineApi.reload), so nothing of the old world reaches the new.
 */
export async function importBackup(deps: ServiceDeps, json: unknown, options: ImportOptions): Promise<ImportSummary> {
  const plan = await planImport(json, { now: deps.clock.now(), includeUsers: options.includeUsers, maxSettingBytes: deps.config.limits.settingValueBytes });
  let users: ImportSummary['users'] = null;
  const sites = await deps.db.site.count();
  await deps.engine.reload(async () => {
    users = await deps.writer.submit((tx) => write(tx, plan, deps), { timeoutMs: removalTimeoutMs(sites) });
  });
  deps.logger.info({ sites: plan.sites.length, alerts: plan.channels.length, windows: plan.windows.length }, 'backup imported');
  return { sites: plan.sites.length, alerts: plan.channels.length, maintenanceWindows: plan.windows.length, users };
}
