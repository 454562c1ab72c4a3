import type { Clock } from '../clock.ts';

/**
 * One value read at most once per `ttlMs` of the injected clock; callers arriving while a read is in flight share
 * it, so a burst of wall screens costs one query. A failed read is not kept: the next caller reads again.
 */
export class Cached<T> {
  private value: { at: number; data: T } | null = null;
  private inFlight: Promise<T> | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly read: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    const now = this.clock.nowMs();
    if (this.value && now - this.value.at < this.ttlMs) return Promise.resolve(this.value.data);
    this.inFlight ??= this.read()
      .then((data) => {
        this.value = { at: now, data };
        return data;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }
}
