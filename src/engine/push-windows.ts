import { pushDeadlines } from './push.ts';
import type { SiteEntry } from './registry.ts';
import { isBroken } from './state-machine.ts';

/**
 * What maintenance windows saw of a push monitor. A job deliberately not run while its host is patched misses its
 * deadlines in the window: that silence is not the job's to answer for, so when the window stops covering the monitor
 * its deadlines count afresh (Kuma counts its MAINTENANCE beats as the last beat; healthchecks.io pages nobody for a
 * check paused through maintenance). A failure the job reported in the window is a real outage, told as any other.
 */
export interface PushWindowMarks {
  /** A deadline passed while a maintenance-type window covered the monitor. */
  missed: boolean;
  /** The job reported a failure while a maintenance-type window covered the monitor. */
  failed: boolean;
  /** Its DOWN, never told, waits for the deadline of the fresh period a window's end gave it. */
  alertAtDeadline: boolean;
}

export function noMarks(): PushWindowMarks {
  return { missed: false, failed: false, alertAtDeadline: false };
}

/** A beat: the job is heard from, so what its silence meant is over; a failure it reports in a window is remembered. */
export function markBeat(entry: SiteEntry, down: boolean, covered: boolean): void {
  entry.pushWindow = { missed: false, failed: down && covered, alertAtDeadline: false };
}

/**
 * Whether a window stopped covering a monitor whose outage or failures came only from deadlines missed in it: it then
 * gets a fresh period (the caller starts it), and a DOWN not told yet is told at that period's deadline if no beat
 * comes first. An outage told before the window is left as it is: its recovery is owed, its DOWN not told again.
 */
export function freshAfterWindow(entry: SiteEntry, covered: boolean): boolean {
  const { site, state, pushWindow } = entry;
  if (site.type !== 'PUSH' || site.paused || covered) return false;
  const { missed, failed } = pushWindow;
  pushWindow.missed = false;
  pushWindow.failed = false;
  if (!missed || failed) return false;
  const broken = isBroken(state.status);
  if (broken && state.lastAlertAt !== null) return false;
  pushWindow.alertAtDeadline = broken;
  return true;
}

/** When the DOWN that waits for its fresh period is due: just past the period's DOWN deadline; null if none waits. */
export function heldAlertDueAt(entry: SiteEntry): number | null {
  const { state, pushWindow } = entry;
  if (!pushWindow.alertAtDeadline || !isBroken(state.status) || state.lastAlertAt !== null) return null;
  // "After" is strict in the spec, as for the deadlines themselves.
  return pushDeadlines(entry.pushFromMs, entry.site.interval).down + 1;
}

/** The held-back DOWN of a push monitor still waits for its fresh period's deadline. */
export function alertWaits(entry: SiteEntry, nowMs: number): boolean {
  const due = heldAlertDueAt(entry);
  return due !== null && nowMs < due;
}
