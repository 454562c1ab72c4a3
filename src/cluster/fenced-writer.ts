import { interceptEnqueue } from '../writer/intercept.ts';
import type { Write, Writer } from '../writer/types.ts';
import type { SiteOwnership } from './node.ts';

/** The writes a site's lease governs: what its owner alone may write (see WriteFencing). */
const FENCED_KINDS: ReadonlySet<Write['kind']> = new Set(['check', 'stateChange', 'runtimeState', 'alertIntent']);

/**
 * The engine's writer in a cluster: each site write carries the fence of its slot as held when the write was made, so
 * the statement can test it (src/writer/fencing.ts). A write for a site this instance does not hold is not queued at
 * all. The stamp goes on a copy: the engine publishes the same object it writes.
 *
 * A site's log line (a transition, a pause, a failed send) is the owner's too: every instance would otherwise write its
 * own copy, a stale one included. It is queued only while the slot is held; its statement carries no fence.
 */
export function fencedWriter(writer: Writer, ownership: Pick<SiteOwnership, 'fenceOf'>): Writer {
  return interceptEnqueue(writer, (write, next) => {
    if (write.kind === 'log') {
      if (write.siteId === null || ownership.fenceOf(write.siteId) !== null) next(write);
      return;
    }
    if (!FENCED_KINDS.has(write.kind) || !('siteId' in write) || write.siteId === null) return next(write);
    const fence = ownership.fenceOf(write.siteId);
    if (fence !== null) next({ ...write, fence } as Write);
  });
}
