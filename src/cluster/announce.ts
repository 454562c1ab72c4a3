import { bumpChangeSignal, type Change } from '../db/change-signal.ts';
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../log.ts';
import type { Writer } from '../writer/types.ts';

/** The engine's commands that follow a configuration change, and what each tells the other instances. */
const ANNOUNCED: Readonly<Record<string, Change>> = {
  siteChanged: { what: 'config' },
  siteRemoved: { what: 'config' },
  maintenanceChanged: { what: 'config' },
  alertChannelsChanged: { what: 'config' },
  // An import replaced the world: the others load it again too.
  reload: { what: 'everything', userIds: [] },
};

/**
 * The engine as the API and the plain routes use it in a cluster: a change applied here is also announced through
 * the change signal (src/db/change-signal.ts) that every instance polls each second, so a site created on one
 * instance is checked by its owner within a second, not at the next reconcile.
 */
export function announcingEngine(engine: Engine, writer: Writer, logger: Logger): Engine {
  // One announcement of a kind waits in the writer at a time: a config applying a thousand sites is one bump, not a
  // thousand. It leaves the queue as its transaction begins, so a change made after that is announced again.
  const queued = new Set<Change['what']>();
  const announce = (change: Change) => {
    if (queued.has(change.what)) return;
    queued.add(change.what);
    void writer
      .submit((tx) => {
        queued.delete(change.what);
        return bumpChangeSignal(tx, change);
      })
      .catch((err: unknown) => {
        queued.delete(change.what);
        // The reconcile timer still brings the change to the others, later.
        logger.warn({ err }, 'cluster: could not announce a change to the other instances');
      });
  };
  return new Proxy(engine, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      const change = typeof property === 'string' ? ANNOUNCED[property] : undefined;
      if (!change || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      // Announced once applied here, without holding up the caller (an API answer waits for no other instance).
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (result instanceof Promise)
          void result.then(
            () => announce(change),
            () => announce(change),
          );
        else announce(change);
        return result;
      };
    },
  });
}
