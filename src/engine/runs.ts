import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { downResult, errorText } from './checks/result.ts';
import type { Checker, CheckResult } from './checks/types.ts';
import { groupStatus } from './groups.ts';
import { pushFrom } from './loop.ts';
import type { MaintenanceTimer } from './maintenance-timer.ts';
import type { ProbeVerdict } from './probe-results.ts';
import { evaluatePush } from './push.ts';
import { heldAlertDueAt, heldAlertPassed, markMissed, type SaveRuntime } from './push-windows.ts';
import type { SiteEntry, SiteRegistry } from './registry.ts';
import { applyGroupStatus, handleStatusChange, isBroken, type Silence, type Transition } from './state-machine.ts';
import type { CheckWrite } from './transition-effects.ts';

export interface SiteRunsOptions {
  clock: Clock;
  checks: Config['checks'];
  checker: Checker;
  /** Aborted at stop: ends the checks in progress. */
  signal: AbortSignal;
  sites: SiteRegistry;
  maintenance: MaintenanceTimer;
  /** Started, not stopped, active, and the site is this instance's: runs start only then. */
  checking: (siteId: number) => boolean;
  /** A result is applied: while checking the site, or while handing it over (the check began before). */
  applies: (siteId: number) => boolean;
  /** Applies a transition and what depends on it (Engine.commit). */
  commit: (entry: SiteEntry, t: Transition, check: CheckWrite | null) => void;
  /** Tells a broken site's DOWN that something held back, once nothing does (Renotifier.alertHeldBack). */
  alertHeldBack: (entry: SiteEntry) => void;
  /** Persists what a push monitor's deadline changes of the marks windows left on it (push-windows.ts). */
  saveRuntime: SaveRuntime;
  /** What regional probes say about the site now (probe-results.ts); while they check it, it is not checked here. */
  probes?: (site: SiteEntry['site'], nowMs: number) => ProbeVerdict;
}

/** Why the site's alerts are held back now, if they are: a paused site is silent, whatever reaches it. */
export function silenceOf(entry: SiteEntry, maintenance: MaintenanceTimer): Silence | null {
  if (entry.site.paused) return 'paused';
  return maintenance.coversSite(entry.site) ? 'maintenance' : null;
}

/** A check row of the site: no latency, code or message unless given. */
export function checkRow(entry: SiteEntry, checkedAt: Date, status: CheckWrite['status'], up: boolean, fields: Partial<CheckWrite> = {}): CheckWrite {
  return { kind: 'check', siteId: entry.site.id, checkedAt, up, status, latencyMs: null, statusCode: null, message: null, ...fields };
}

/**
 * One run of a site, by type: an outbound check, a push monitor's deadline, a group's verdict over its children; each
 * taken through the state machine and committed.
 */
export class SiteRuns {
  constructor(private readonly options: SiteRunsOptions) {}

  run(siteId: number): Promise<void> | void {
    const entry = this.options.sites.get(siteId);
    if (!entry || !this.options.checking(siteId)) return;
    if (entry.site.type === 'PUSH') this.evaluatePush(entry);
    else if (entry.site.type === 'GROUP') this.evaluateGroup(entry, true);
    else return this.runOutbound(entry);
  }

  /** A child of the group changed: the group follows at once if its status changes. */
  reevaluateGroup(groupId: number | null): void {
    if (groupId === null || !this.options.checking(groupId)) return;
    const group = this.options.sites.get(groupId);
    if (group && group.site.type === 'GROUP' && !group.site.paused) this.evaluateGroup(group, false);
  }

  private async runOutbound(entry: SiteEntry): Promise<void> {
    const { clock, checks, sites, maintenance } = this.options;
    const site = entry.site;
    const seqAtStart = entry.seq;
    const configAtStart = entry.configSeq;
    const probed = this.options.probes?.(site, clock.nowMs());
    if (probed?.kind === 'covered') return;
    let result: CheckResult;
    // The probes' verdict stands for this interval's check; its rows are theirs, written as they reported (nodeId).
    if (probed?.kind === 'verdict') result = probed.result;
    else if (site.configError) result = downResult(site.configError);
    else {
      try {
        const { allowPrivateTargets, insecureSkipVerify } = checks;
        result = await this.options.checker(site, { allowPrivateTargets, insecureSkipVerify, signal: this.options.signal, clock });
      } catch (err) {
        result = downResult(errorText(err));
      }
    }
    // A site removed (or replaced) mid-check is not brought back, and a passive or stopping engine ignores results. A
    // check made with the configuration the site had before an edit says nothing about it now: the edit already asked
    // for a check with the new one (a fixed keyword is not a false alarm), and a pause keeps the status it found. A
    // failure is outranked by any result or beat applied since this check started.
    if (!this.options.applies(site.id) || sites.get(site.id) !== entry || entry.configSeq !== configAtStart) return;
    if (result.status !== 'UP' && entry.seq !== seqAtStart) return;
    const now = clock.now();
    const { status, statusCode, latencyMs, hasSsl, certExpiresAt, message } = result;
    const checkedAt = probed?.kind === 'verdict' ? probed.checkedAt : now;
    const obs = { status, statusCode, latencyMs, hasSsl, certExpiresAt, reason: message, checkedAt };
    const t = handleStatusChange(entry.state, obs, entry.site, now, silenceOf(entry, maintenance));
    const row = probed?.kind === 'verdict' ? null : checkRow(entry, now, status, status === 'UP', { latencyMs, statusCode, message: message || null });
    this.options.commit(entry, t, row);
  }

  private evaluatePush(entry: SiteEntry): void {
    const now = this.options.clock.now();
    const nowMs = now.getTime();
    const obs = evaluatePush(entry.state, entry.site, pushFrom(entry, nowMs), nowMs);
    const silence = silenceOf(entry, this.options.maintenance);
    // A deadline passed in a window, be it one that waited for the window before: the window's end starts afresh.
    if (obs && silence === 'maintenance') markMissed(entry, this.options.saveRuntime);
    if (!obs) {
      this.tellHeldAlert(entry, nowMs, silence);
      return;
    }
    const t = handleStatusChange(entry.state, obs, entry.site, now, silence);
    this.options.commit(entry, t, checkRow(entry, now, obs.status, false, { message: obs.reason }));
  }

  /** The DOWN held back for a fresh period after a window, at that period's deadline: told, or held by a new window. */
  private tellHeldAlert(entry: SiteEntry, nowMs: number, silence: Silence | null): void {
    const due = heldAlertDueAt(entry);
    if (due === null || nowMs < due) return;
    const covered = silence === 'maintenance';
    if (!covered) this.options.alertHeldBack(entry);
    heldAlertPassed(entry, covered, this.options.saveRuntime);
  }

  /**
   * On its own schedule a group records a check; when a child changes it is re-evaluated at once and only a change
   * of its status is applied.
   */
  private evaluateGroup(entry: SiteEntry, scheduled: boolean): void {
    const { clock, sites, maintenance } = this.options;
    const nowMs = clock.nowMs();
    const verdict = groupStatus(sites.childStates(entry.site.id), (child) => maintenance.covers(child.siteId, child.parentId, nowMs));
    if (!scheduled && verdict.status === entry.state.status) return;
    const now = clock.now();
    const t = applyGroupStatus(entry.state, verdict.status, verdict.reason, entry.site, now, silenceOf(entry, maintenance));
    const check = scheduled ? checkRow(entry, now, verdict.status, !isBroken(verdict.status), { message: verdict.reason || null }) : null;
    this.options.commit(entry, t, check);
  }
}
