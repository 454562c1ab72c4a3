import type { SecretBox } from '../alerts/crypto.ts';
import { notifyEngine, type ServiceDeps } from '../services/deps.ts';
import { ConflictError } from '../services/errors.ts';
import { newPushToken } from '../services/sites.ts';
import { removalTimeoutMs, removeSites } from '../writer/remove-sites.ts';
import type { Tx } from '../writer/types.ts';
import { parseConfigText } from './parse-off-thread.ts';
import { diffConfig, loadCurrent, planOf, planConfig, type Diff, type Step } from './plan.ts';
import type { ConfigMonitor, ConfigWindow, Plan } from './types.ts';

export interface ApplyOptions {
  /** The file's text, YAML or JSON. */
  text: string;
  /** Named in every error (`uptop.yaml:14: ...`). */
  fileName: string;
  /** Plan only: nothing is written. */
  dryRun?: boolean;
  /** Delete the alerts, monitors and maintenance windows the file does not name. */
  prune?: boolean;
  /** Recorded as the creator of the maintenance windows the apply creates. */
  actor?: string;
}

export interface ApplyResult extends Plan {
  /** False for a dry run: the plan was not carried out. */
  applied: boolean;
}

/** What the engine must hear once the transaction has committed. */
interface Touched {
  changedSites: number[];
  removedSites: number[];
  alerts: boolean;
  maintenance: boolean;
}

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;
const stepsOf = <K extends Step['kind']>(steps: readonly Step[], kind: K, ...actions: Step['action'][]) =>
  steps.filter((s): s is StepOf<K> => s.kind === kind && actions.includes(s.action));

function siteData(monitor: ConfigMonitor, parentId: number | null, secretBox: SecretBox) {
  const config = monitor.config;
  return { ...config, parentId, authSecret: config.authSecret === null ? null : secretBox.seal(config.authSecret) };
}

function windowData(w: ConfigWindow, siteId: number | null) {
  const { monitor: _name, startsAt: _start, ...fields } = w;
  return { ...fields, siteId, timezone: w.recurrence ? (w.timezone ?? 'UTC') : null };
}

/**
 * Carries out a diff inside the transaction, in an order where every reference exists when it is written: alerts,
 * then monitors (groups first), then windows, then the deletions. Any failure rolls the whole apply back.
 */
async function execute(tx: Tx, diff: Diff, deps: Pick<ServiceDeps, 'clock' | 'secretBox'>, actor: string): Promise<Touched> {
  const now = deps.clock.now();
  const { steps } = diff;
  const channelIds = new Map(diff.channelIds);
  const siteIds = new Map(diff.siteIds);
  const touched: Touched = { changedSites: [], removedSites: [], alerts: false, maintenance: false };

  for (const step of stepsOf(steps, 'alert', 'create', 'update')) {
    const { name, provider, settings } = step.alert!;
    const data = { provider, settings: deps.secretBox.seal(JSON.stringify(settings)), updatedAt: now };
    if (step.id === null) channelIds.set(name, (await tx.alertChannel.create({ data: { ...data, name, createdAt: now } })).id);
    else await tx.alertChannel.update({ where: { id: step.id }, data });
    touched.alerts = true;
  }

  for (const step of stepsOf(steps, 'monitor', 'create', 'update')) {
    const monitor = step.monitor!;
    const data = siteData(monitor, monitor.parent === null ? null : siteIds.get(monitor.parent)!, deps.secretBox);
    const links = monitor.alerts.map((name) => ({ alertChannelId: channelIds.get(name)! }));
    if (step.id === null) {
      const pushToken = monitor.config.type === 'PUSH' ? newPushToken() : null;
      const site = await tx.site.create({ data: { ...data, pushToken, createdAt: now, updatedAt: now, alertChannels: { create: links } } });
      siteIds.set(monitor.name, site.id);
      touched.changedSites.push(site.id);
    } else {
      const pushToken = monitor.config.type === 'PUSH' && !step.row?.pushToken ? { pushToken: newPushToken() } : {};
      const { authType: _type, authUsername: _username, authSecret: _secret, ...withoutAuth } = data;
      // Auth the plan finds unchanged is left as stored, with credentials the check does not send (see sentAuth).
      const fields = step.changes?.includes('auth') ? data : withoutAuth;
      await tx.site.update({ where: { id: step.id }, data: { ...fields, ...pushToken, updatedAt: now, alertChannels: { deleteMany: {}, create: links } } });
      touched.changedSites.push(step.id);
    }
    // siteChanged reloads a site with its links; alertChannelsChanged is for the channels themselves.
  }

  for (const step of stepsOf(steps, 'maintenance', 'create', 'update')) {
    const w = step.window!;
    const data = windowData(w, w.monitor === null ? null : siteIds.get(w.monitor)!);
    if (step.id === null) await tx.maintenanceWindow.create({ data: { ...data, startsAt: w.startsAt ?? now, createdBy: actor, createdAt: now } });
    else await tx.maintenanceWindow.update({ where: { id: step.id }, data: { ...data, ...(w.startsAt && { startsAt: w.startsAt }) } });
    touched.maintenance = true;
  }

  // deleteMany: a window may already be gone with its monitor, a child with nothing (its group's delete sets it free).
  for (const step of stepsOf(steps, 'maintenance', 'delete')) await tx.maintenanceWindow.deleteMany({ where: { id: step.id! } });
  const removed = stepsOf(steps, 'monitor', 'delete').map((step) => step.id!);
  await removeSites(tx, removed);
  touched.removedSites.push(...removed);
  for (const step of stepsOf(steps, 'alert', 'delete')) await tx.alertChannel.deleteMany({ where: { id: step.id! } });
  if (stepsOf(steps, 'maintenance', 'delete').length || touched.removedSites.length) touched.maintenance = true;
  if (stepsOf(steps, 'alert', 'delete').length) touched.alerts = true;

  await checkGroups(tx);
  return touched;
}

/**
 * Monitors the file does not name keep their group; a file that turns that group into another type, or puts it in
 * a group, would leave them in a monitor that is not a group. The API refuses that, so the apply does too.
 */
async function checkGroups(tx: Tx): Promise<void> {
  const misplaced = await tx.site.findFirst({
    where: { OR: [{ parent: { type: { not: 'GROUP' } } }, { type: 'GROUP', parentId: { not: null } }] },
    select: { name: true, parent: { select: { name: true } } },
  });
  if (misplaced) {
    throw new ConflictError(
      `monitor "${misplaced.name}" would be inside "${misplaced.parent?.name}", which is not a top-level group; name it in the file, or prune it`,
    );
  }
}

async function tellEngine(deps: Pick<ServiceDeps, 'engine' | 'logger'>, touched: Touched): Promise<void> {
  const { engine } = deps;
  for (const id of touched.removedSites) await notifyEngine(deps, 'siteRemoved', () => engine.siteRemoved(id));
  for (const id of touched.changedSites) await notifyEngine(deps, 'siteChanged', () => engine.siteChanged(id));
  if (touched.alerts) await notifyEngine(deps, 'alertChannelsChanged', () => engine.alertChannelsChanged());
  if (touched.maintenance) await notifyEngine(deps, 'maintenanceChanged', () => engine.maintenanceChanged());
}

/**
 * Validates a config file, plans it against the database and, unless `dryRun`, carries the whole plan out in one
 * transaction through the writer (the plan is made again inside it, so nothing changes between plan and write),
 * then tells the engine. A bad file is a ConfigFileError and changes nothing; a second apply of a file plans nothing.
 */
export async function applyConfig(deps: ServiceDeps, options: ApplyOptions): Promise<ApplyResult> {
  const parsed = await parseConfigText(options.text, options.fileName, { settingValueBytes: deps.config.limits.settingValueBytes });
  const prune = options.prune ?? false;
  if (options.dryRun) return { ...(await planConfig(deps, parsed, { prune })), applied: false };
  // Pruning may remove every site with its history, in steps that take long on a large installation.
  const timeoutMs = prune ? removalTimeoutMs(await deps.db.site.count()) : undefined;
  const [steps, touched] = await deps.writer.submit(
    async (tx) => {
      const diff = await diffConfig(await loadCurrent(tx), parsed, { prune, now: deps.clock.now(), secretBox: deps.secretBox });
      return [diff.steps, await execute(tx, diff, deps, options.actor ?? 'uptop apply')] as const;
    },
    { timeoutMs },
  );
  await tellEngine(deps, touched);
  return { ...planOf(steps), applied: true };
}
