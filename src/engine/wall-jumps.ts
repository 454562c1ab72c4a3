import type { Clock } from '../clock.ts';

/** Below this, a gain is clock drift or an NTP slew, too small to have let any deadline pass unseen. */
const TOLERANCE_MS = 10_000;

/**
 * Notices the wall clock gaining on the monotonic one, on which every timer waits: a suspended machine resumed (the
 * monotonic clock stops during a suspend), a VM restored, or the clock stepped forward. Deadlines set as wall-clock
 * instants then passed while their timers still wait.
 */
export class WallJumps {
  private wallMs = 0;
  private monoMs = 0;

  constructor(private readonly clock: Clock) {
    this.reset();
  }

  /** Counts from now: what came before was already caught up with (a start, becoming active). */
  reset(): void {
    this.wallMs = this.clock.nowMs();
    this.monoMs = this.clock.monotonicMs();
  }

  /** How far the wall clock jumped ahead since the last call, or 0 when it did not (a step back is not a jump ahead). */
  take(): number {
    const wallMs = this.clock.nowMs();
    const monoMs = this.clock.monotonicMs();
    const gainedMs = wallMs - this.wallMs - (monoMs - this.monoMs);
    this.wallMs = wallMs;
    this.monoMs = monoMs;
    return gainedMs > TOLERANCE_MS ? gainedMs : 0;
  }
}
