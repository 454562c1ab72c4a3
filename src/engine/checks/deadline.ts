import { setMaxListeners } from 'node:events';
import type { ResolveOptions } from './resolver.ts';
import type { CheckOptions } from './types.ts';

/**
 * One check's time budget: an AbortSignal that fires when the site timeout elapses or the engine aborts, its reason
 * an Error saying which. Network deadlines run on real timers: sockets live in real time, so the injected Clock
 * cannot drive them. AbortSignal.any is avoided: it ties every check's signal to the engine's long-lived one, where
 * Node 20 has had memory leaks; a listener added here and removed on dispose costs nothing.
 */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private expired = false;

  constructor(
    private readonly seconds: number,
    private readonly parent?: AbortSignal,
  ) {
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new Error(this.reason()));
    }, seconds * 1000);
    if (parent?.aborted) {
      this.onParentAbort();
    } else if (parent) {
      // Every running check listens to the engine's signal: hundreds at once is by design, not a leak.
      setMaxListeners(0, parent);
      parent.addEventListener('abort', this.onParentAbort, { once: true });
    }
  }

  get aborted(): boolean {
    return this.signal.aborted;
  }

  /** Why the operation was cut short: the site timeout, or the engine stopping. */
  reason(): string {
    return this.parent?.aborted && !this.expired ? 'check aborted' : `timeout after ${this.seconds}s`;
  }

  /**
   * How a check resolves its target within this budget: abandoned with the check, and given at most `seconds` (a
   * check may keep part of its budget for what follows the lookup).
   */
  lookupOptions(options: Pick<CheckOptions, 'nameServers'>, seconds = this.seconds): ResolveOptions {
    return { signal: this.signal, timeoutMs: seconds * 1000, nameServers: options.nameServers };
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }

  private readonly onParentAbort = (): void => {
    this.controller.abort(new Error(this.reason()));
  };
}
