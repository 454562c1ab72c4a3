import { pushDeadlines } from './push.ts';
import type { SiteEntry } from './registry.ts';
import { isBroken } from './state-machine.ts';
import type { LiveSiteState } from './types.ts';

/**
 * What maintenance windows saw of a push monitor. A job deliberately not run while its host is patched misses its
 * deadlines in the window: that silence is not the job's to answer for, so when the window stops covering the monitor
 * its deadlines count afresh (Kuma counts its MAINTENANCE beats as the last beat; healthchecks.io pages nobody for a
 * check paused through maintenance). A failure the job reported in the window is a real outage, told as any other.
 * The marks are part of the runtime state and persisted with it: a restart or a handover in the window, or after its
 * end, must not turn the silence it excused into a page.
 */
type PushWindowMarks = Pick<LiveSiteState, 'pushMissedInWindow' | 'pushFailedInWindow' | 'pushAlertAtDeadline'>;

/** Persists the site's runtime state now (TransitionEffects.saveRuntime). */
export type SaveRuntime = (entry: SiteEntry) => void;

/**
 * Sets marks: the state is replaced, never changed in place (see EngineApi.getState), and saved at once if they
 * changed, as no transition need follow that would save it.
 */
function setMarks(entry: SiteEntry, marks: Partial<PushWindowMarks>, save: SaveRuntime): void {
  const { state } = entry;
  if ((Object.keys(marks) as (keyof PushWindowMarks)[]).every((key) => state[key] === marks[key])) return;
  entry.state = { ...state, ...marks };
  save(entry);
}

/** A beat: the job is heard from, so what its silence meant is over; a failure it reports in a window is remembered. */
export function markBeat(entry: SiteEntry, down: boolean, covered: boolean, save: SaveRuntime): void {
  setMarks(entry, { pushMissedInWindow: false, pushFailedInWindow: down && covered, pushAlertAtDeadline: false }, save);
}

/** A deadline passed while a maintenance-type window covered the monitor. */
export function markMissed(entry: SiteEntry, save: SaveRuntime): void {
  setMarks(entry, { pushMissedInWindow: true }, save);
}

/**
 * The fresh period's deadline passed: its DOWN was told (or there was nobody to tell), or a new window holds it, whose
 * end starts afresh again. Either way it no longer waits, and no deadline is left to wake the monitor for.
 */
export function heldAlertPassed(entry: SiteEntry, covered: boolean, save: SaveRuntime): void {
  setMarks(entry, covered ? { pushMissedInWindow: true, pushAlertAtDeadline: false } : { pushAlertAtDeadline: false }, save);
}

/**
 * Whether a window stopped covering a monitor whose outage or failures came only from deadlines missed in it: it then
 * gets a fresh period (the caller starts it), and a DOWN not told yet is told at that period's deadline if no beat
 * comes first. An outage told before the window is left as it is: its recovery is owed, its DOWN not told again.
 */
export function freshAfterWindow(entry: SiteEntry, covered: boolean, save: SaveRuntime): boolean {
  const { site, state } = entry;
  if (site.type !== 'PUSH' || site.paused || covered) return false;
  const broken = isBroken(state.status);
  const fresh = state.pushMissedInWindow && !state.pushFailedInWindow && !(broken && state.lastAlertAt !== null);
  const marks: Partial<PushWindowMarks> = { pushMissedInWindow: false, pushFailedInWindow: false };
  if (fresh) marks.pushAlertAtDeadline = broken;
  setMarks(entry, marks, save);
  return fresh;
}

/** When the DOWN that waits for its fresh period is due: just past the period's DOWN deadline; null if none waits. */
export function heldAlertDueAt(entry: SiteEntry): number | null {
  const { state } = entry;
  if (!state.pushAlertAtDeadline || !isBroken(state.status) || state.lastAlertAt !== null) return null;
  // "After" is strict in the spec, as for the deadlines themselves.
  return pushDeadlines(entry.pushFromMs, entry.site.interval).down + 1;
}

/** The held-back DOWN of a push monitor still waits for its fresh period's deadline. */
export function alertWaits(entry: SiteEntry, nowMs: number): boolean {
  const due = heldAlertDueAt(entry);
  return due !== null && nowMs < due;
}
